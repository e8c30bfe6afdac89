import {
  ALL_CORRELATION_HEADERS,
  ALL_TOPICS,
  CorrelationHeaders,
  DlqHeaders,
  INTERNAL_SIGNATURE_HEADER,
  REQUEST_ID_PATTERN,
  type TopicName,
  Topics,
} from '@sluice/contracts';
import { DeadLetterHeader, REPLAYED_FROM_HEADER } from '@sluice/kafka';
import { MESSAGE_SCHEMAS } from '../schemas/schema.builder';

export type Json = Record<string, unknown>;

/** One topic of deploy/kafka/topics.json. */
export interface TopicDefinition {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

type Service = 'ingestion' | 'router' | 'realtime-worker' | 'batch-aggregator' | 'result-notifier';
const SERVICES: readonly Service[] = ['ingestion', 'router', 'realtime-worker', 'batch-aggregator', 'result-notifier'];

/** Which message a topic carries, who writes and reads it, and which headers its producers set. */
interface ChannelSpec {
  id: string;
  /** null: the address is chosen per request (`replyTo`). */
  topic: TopicName | null;
  message: MessageId;
  description: string;
  sentBy: readonly Service[];
  receivedBy: readonly Service[];
}

type MessageId = 'inferenceRequest' | 'acceptedRequest' | 'laneRequest' | 'inferenceResult' | 'lifecycleEvent' | 'streamChunk' | 'deadLetter';

interface MessageSpec {
  title: string;
  /** A file stem of docs/schemas (MESSAGE_SCHEMAS), or null for the DLQ's untouched original bytes. */
  schema: string | null;
  headers: 'external' | 'internal' | 'deadLetter';
  key: Json;
}

const REQUEST_ID_KEY: Json = {
  type: 'string',
  pattern: REQUEST_ID_PATTERN.source,
  description: 'The request id: every message about one request lands on one partition, in order.',
};

const MESSAGES: Record<MessageId, MessageSpec> = {
  inferenceRequest: {
    title: 'Inference request v1',
    schema: 'request.v1',
    headers: 'external',
    key: { ...REQUEST_ID_KEY, description: 'The request id when the producer gives one (`id`); any key otherwise (ingestion derives the id).' },
  },
  acceptedRequest: { title: 'Accepted request v1', schema: 'accepted.v1', headers: 'internal', key: REQUEST_ID_KEY },
  laneRequest: { title: 'Lane request v1', schema: 'lane-request.v1', headers: 'internal', key: REQUEST_ID_KEY },
  inferenceResult: { title: 'Inference result v1', schema: 'result.v1', headers: 'internal', key: REQUEST_ID_KEY },
  lifecycleEvent: { title: 'Lifecycle event v1', schema: 'event.v1', headers: 'internal', key: REQUEST_ID_KEY },
  streamChunk: { title: 'Stream chunk v1', schema: 'stream-chunk.v1', headers: 'internal', key: REQUEST_ID_KEY },
  deadLetter: {
    title: 'Dead letter v1',
    schema: null,
    headers: 'deadLetter',
    key: { description: 'The original message key, unchanged (any bytes, or none).' },
  },
};

const CHANNELS: readonly ChannelSpec[] = [
  {
    id: 'requests',
    topic: Topics.Requests,
    message: 'inferenceRequest',
    description: 'Inference requests from upstream services: urgent work, or a mix.',
    sentBy: [],
    receivedBy: ['ingestion'],
  },
  {
    id: 'requestsBulk',
    topic: Topics.RequestsBulk,
    message: 'inferenceRequest',
    description: 'Requests that can wait (minutes or more), read by a consumer group of their own so they never delay sluice.requests.v1.',
    sentBy: [],
    receivedBy: ['ingestion'],
  },
  {
    id: 'accepted',
    topic: Topics.Accepted,
    message: 'acceptedRequest',
    description: 'Validated, recorded requests that can wait (bulk jobs, the bulk intake, deadlines the batch or async lane can meet).',
    sentBy: ['ingestion'],
    receivedBy: ['router'],
  },
  {
    id: 'acceptedUrgent',
    topic: Topics.AcceptedUrgent,
    message: 'acceptedRequest',
    description: 'Accepted requests whose deadline needs the realtime lane, routed by a consumer group of their own.',
    sentBy: ['ingestion'],
    receivedBy: ['router'],
  },
  {
    id: 'laneRealtime',
    topic: Topics.LaneRealtime,
    message: 'laneRequest',
    description: 'Requests routed to the realtime lane (and batch-lane escalations).',
    sentBy: ['router', 'batch-aggregator'],
    receivedBy: ['realtime-worker'],
  },
  {
    id: 'laneAsync',
    topic: Topics.LaneAsync,
    message: 'laneRequest',
    description: 'Requests routed to the async lane: bounded concurrency or the provider flex tier.',
    sentBy: ['router'],
    receivedBy: ['realtime-worker'],
  },
  {
    id: 'laneBatch',
    topic: Topics.LaneBatch,
    message: 'laneRequest',
    description: 'Requests routed to the batch lane, windowed into provider batch jobs.',
    sentBy: ['router'],
    receivedBy: ['batch-aggregator'],
  },
  {
    id: 'results',
    topic: Topics.Results,
    message: 'inferenceResult',
    description: "Every request's outcome (cache hits from the router, answers from the workers), booked and delivered by the result notifier.",
    sentBy: ['router', 'realtime-worker', 'batch-aggregator'],
    receivedBy: ['result-notifier', 'ingestion'],
  },
  {
    id: 'replyTo',
    topic: null,
    message: 'inferenceResult',
    description: 'The topic a request names in `replyTo`: its result is copied there once it is booked.',
    sentBy: ['result-notifier'],
    receivedBy: [],
  },
  {
    id: 'stream',
    topic: Topics.Stream,
    message: 'streamChunk',
    description: 'Token chunks of streamed chat completions, in order; the result that follows says how many.',
    sentBy: ['realtime-worker'],
    receivedBy: ['ingestion'],
  },
  {
    id: 'events',
    topic: Topics.Events,
    message: 'lifecycleEvent',
    description: 'Lifecycle events of every request (accepted, rejected, routed, queued, batched, submitted, progress, escalated, completed, failed).',
    sentBy: ['ingestion', 'router', 'batch-aggregator', 'result-notifier'],
    receivedBy: ['ingestion'],
  },
  {
    id: 'dlq',
    topic: Topics.Dlq,
    message: 'deadLetter',
    description:
      'Messages a service could not handle (not JSON, no tenant, still failing after its retries), with the reason in headers. `npx sluice dlq` lists, replays and drops them.',
    sentBy: SERVICES,
    receivedBy: [],
  },
];

const SCHEMA_REF_DIR = './schemas/';
const KAFKA_BINDING_VERSION = '0.5.0';

/** The reference to a generated JSON Schema, relative to docs/asyncapi.yaml. */
export function schemaRef(stem: string): string {
  return `${SCHEMA_REF_DIR}${stem}.schema.json`;
}

const STRING_HEADER = { type: 'string' } as const;

function correlationHeaders(): Record<string, Json> {
  return {
    [CorrelationHeaders.CorrelationId]: { ...STRING_HEADER, description: 'Correlation id of the request, carried onto every message it causes.' },
    [CorrelationHeaders.RequestId]: { ...STRING_HEADER, description: 'The request id, set by the service that produced the message when it knows it.' },
    [CorrelationHeaders.TraceParent]: {
      ...STRING_HEADER,
      description: 'W3C Trace Context of the request, carried onto every message it causes; with tracing on, the span that produced the message.',
    },
  };
}

/** What a producer outside Sluice may set on a request; all optional, all carried through. */
function externalHeaders(): Json {
  return {
    type: 'object',
    properties: {
      ...correlationHeaders(),
      [REPLAYED_FROM_HEADER]: {
        ...STRING_HEADER,
        description: 'Set by `sluice dlq replay`: the `<dlq topic>/<partition>/<offset>` the message came back from.',
      },
    },
  };
}

/** What Sluice's own producers set: the correlation headers they carry, and the signature consumers check. */
function internalHeaders(): Json {
  const external = externalHeaders();
  return {
    type: 'object',
    properties: {
      ...(external.properties as Json),
      [INTERNAL_SIGNATURE_HEADER]: {
        ...STRING_HEADER,
        pattern: '^v1\\.[A-Za-z0-9_-]+$',
        description:
          '`v1.` and the base64url HMAC-SHA256 over topic, key and value with SLUICE_INTERNAL_SIGNING_KEY; consumers refuse messages without a valid one.',
      },
    },
    required: [INTERNAL_SIGNATURE_HEADER],
  };
}

/** The original message's headers, overlaid with the reasons of libs/kafka's dead-letter publisher. */
function deadLetterHeaders(): Json {
  const internal = internalHeaders();
  const reasons = Object.fromEntries(Object.values(DlqHeaders).map((name) => [name, { $ref: `${schemaRef('dlq-headers.v1')}#/properties/${name}` }]));
  return {
    type: 'object',
    properties: {
      ...(internal.properties as Json),
      ...reasons,
      [DeadLetterHeader.ErrorStack]: { ...STRING_HEADER, maxLength: 4000, description: "The handler's stack, for unexpected errors only." },
    },
    required: [...Object.values(DlqHeaders), INTERNAL_SIGNATURE_HEADER],
  };
}

function messageComponent(id: MessageId): Json {
  const spec = MESSAGES[id];
  const schemaSpec = MESSAGE_SCHEMAS.find((candidate) => candidate.name === spec.schema);
  if (spec.schema !== null && schemaSpec === undefined) throw new Error(`no published schema ${spec.schema} for message ${id}`);
  return {
    name: id,
    title: spec.title,
    summary: schemaSpec?.description ?? 'The original message value, unchanged: it may not be JSON at all.',
    contentType: spec.schema === null ? 'application/octet-stream' : 'application/json',
    headers: { $ref: `#/components/schemas/${spec.headers}Headers` },
    payload: spec.schema === null ? { description: 'The original bytes.' } : { $ref: schemaRef(spec.schema) },
    bindings: { kafka: { key: spec.key, bindingVersion: KAFKA_BINDING_VERSION } },
  };
}

function channelBindings(topic: TopicDefinition): Json {
  const config: Json = {};
  if (topic.config['cleanup.policy'] !== undefined) config['cleanup.policy'] = topic.config['cleanup.policy'].split(',');
  if (topic.config['retention.ms'] !== undefined) config['retention.ms'] = Number(topic.config['retention.ms']);
  return { kafka: { topic: topic.name, partitions: topic.partitions, topicConfiguration: config, bindingVersion: KAFKA_BINDING_VERSION } };
}

function operationId(action: 'send' | 'receive', service: Service, channel: string): string {
  const camel = service.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  return `${camel}${action === 'send' ? 'Sends' : 'Receives'}${channel[0]!.toUpperCase()}${channel.slice(1)}`;
}

/**
 * The AsyncAPI 3 document of every Sluice topic, from the topic registry, the header constants, the
 * published JSON Schemas (referenced, not copied) and the topics definition. Pure: the script writes it.
 */
export function buildAsyncApi(topics: readonly TopicDefinition[], version: string): Json {
  const missing = ALL_TOPICS.filter((topic) => !CHANNELS.some((channel) => channel.topic === topic));
  if (missing.length > 0) throw new Error(`no channel for topic ${missing.join(', ')}: add it to CHANNELS in scripts/asyncapi/asyncapi.builder.ts`);

  const channels: Json = {};
  const operations: Json = {};
  for (const spec of CHANNELS) {
    const definition = spec.topic === null ? undefined : topics.find((topic) => topic.name === spec.topic);
    if (spec.topic !== null && definition === undefined) throw new Error(`topic ${spec.topic} is not in deploy/kafka/topics.json`);
    channels[spec.id] = {
      address: spec.topic,
      title: spec.topic ?? 'replyTo',
      description: spec.description,
      messages: { [spec.message]: { $ref: `#/components/messages/${spec.message}` } },
      ...(definition === undefined ? {} : { bindings: channelBindings(definition) }),
    };
    const channelRef = { $ref: `#/channels/${spec.id}` };
    const messageRef = { $ref: `#/channels/${spec.id}/messages/${spec.message}` };
    for (const [action, services] of [
      ['send', spec.sentBy],
      ['receive', spec.receivedBy],
    ] as const) {
      for (const service of services) {
        operations[operationId(action, service, spec.id)] = { action, channel: channelRef, messages: [messageRef], tags: [{ name: service }] };
      }
    }
  }

  const messageIds = Object.keys(MESSAGES) as MessageId[];
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Sluice',
      version,
      description: [
        'Generated by `npm run asyncapi` from libs/contracts (topics, headers), docs/schemas (payloads) and',
        'deploy/kafka/topics.json (partitions, retention); do not edit by hand. Every message about a request is',
        'keyed by its request id. Operations are tagged with the service that sends or receives.',
      ].join(' '),
      tags: SERVICES.map((name) => ({ name })),
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The development broker of `npm run up` (any cluster via KAFKA_BROKERS).' },
    },
    channels,
    operations,
    components: {
      messages: Object.fromEntries(messageIds.map((id) => [id, messageComponent(id)])),
      schemas: { externalHeaders: externalHeaders(), internalHeaders: internalHeaders(), deadLetterHeaders: deadLetterHeaders() },
    },
  };
}

/** The names the document must carry, read from the contracts (what the checks hold it to). */
export const REQUIRED = {
  topics: ALL_TOPICS,
  correlationHeaders: ALL_CORRELATION_HEADERS,
  signatureHeader: INTERNAL_SIGNATURE_HEADER,
  deadLetterHeaders: Object.values(DlqHeaders),
  payloadSchemas: MESSAGE_SCHEMAS.map((spec) => spec.name).filter((name) => name !== 'dlq-headers.v1'),
  externalTopics: [Topics.Requests, Topics.RequestsBulk] as readonly string[],
  deadLetterTopic: Topics.Dlq as string,
} as const;
