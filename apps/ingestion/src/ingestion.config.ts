import { EnvEnum, EnvInt, EnvList, EnvString, EnvUrl, SluiceConfig } from '@sluice/config';
import { Topics } from '@sluice/contracts';

const MIB = 1024 * 1024;

export class IngestionConfig extends SluiceConfig {
  override PORT = 3000;
  override KAFKA_CLIENT_ID = 'sluice-ingestion';
  override KAFKA_GROUP_ID = 'sluice-ingestion';

  @EnvString({
    description:
      "Path of the routing policy JSON file, the router's own (ROUTING_POLICY_FILE of the router): ingestion reads its deadlines, lanes and estimates once at boot to send requests that need the realtime lane to sluice.accepted.urgent.v1. A missing or invalid file fails the boot.",
    pattern: /\S/,
    rule: 'must be a file path',
  })
  ROUTING_POLICY_FILE = 'deploy/policy/routing-policy.json';

  @EnvInt({
    description:
      'Largest single request (bytes): the body of a POST /v1/requests carrying one request (larger ones are answered 413 PAYLOAD_TOO_LARGE), each request of a bulk POST and each job line, and the value of a message on sluice.requests.v1 or sluice.requests.bulk.v1 (larger ones are refused with PAYLOAD_TOO_LARGE).',
    min: 1_024,
    max: 64 * MIB,
  })
  INGESTION_BODY_LIMIT_BYTES = MIB;

  @EnvInt({
    description:
      'Largest body of a bulk POST /v1/requests (`{ "requests": [...] }`, bytes); larger ones are answered 413 PAYLOAD_TOO_LARGE. Also the most the JSON parser reads for any request.',
    min: 1_024,
    max: 256 * MIB,
  })
  INGESTION_BULK_BODY_LIMIT_BYTES = 10 * MIB;

  @EnvInt({ description: 'Most requests one bulk POST /v1/requests may carry.', min: 1, max: 100_000 })
  INGESTION_BULK_MAX_REQUESTS = 1_000;

  @EnvInt({
    description: 'How often an open GET /v1/requests/:id/events stream gets a keep-alive comment (milliseconds), so proxies do not close an idle stream.',
    min: 1_000,
    max: 10 * 60 * 1000,
  })
  INGESTION_SSE_KEEPALIVE_MS = 15_000;

  @EnvInt({
    description:
      'How long an events stream that saw its `completed` event waits for the result message itself before it ends without it (milliseconds); the two travel on different topics.',
    min: 0,
    max: 60_000,
  })
  INGESTION_SSE_RESULT_WAIT_MS = 5_000;

  @EnvInt({
    description: 'Event streams (GET /v1/requests/:id/events) one API key may hold open at once, per copy of ingestion; more get 429.',
    min: 1,
    max: 100_000,
  })
  INGESTION_SSE_MAX_STREAMS_PER_KEY = 100;

  @EnvInt({
    description:
      "How long the events relay keeps reading after the last events stream of this instance closed (milliseconds); then it pauses until a stream opens, so an instance without streams decodes none of the system's events.",
    min: 0,
    max: 10 * 60 * 1000,
  })
  INGESTION_SSE_RELAY_LINGER_MS = 10_000;

  @EnvInt({
    description:
      'Most non-blank lines one POST /v1/jobs upload may carry; the lines up to it are taken and the answer is 413 PAYLOAD_TOO_LARGE. Each line is at most INGESTION_BODY_LIMIT_BYTES.',
    min: 1,
    max: 100_000_000,
  })
  INGESTION_JOB_MAX_LINES = 10_000_000;

  @EnvInt({
    description:
      "How long a client may take to send a request's headers (milliseconds), after which it is answered 408 and the connection closed: a client trickling its headers in (slowloris) holds a connection no longer. Node's own default is 60 s; at most INGESTION_REQUEST_TIMEOUT_MS (checked at boot).",
    min: 500,
    max: 10 * 60 * 1000,
  })
  INGESTION_HEADERS_TIMEOUT_MS = 20_000;

  @EnvInt({
    description:
      'How long a client may take to send one whole request, headers and body (milliseconds), after which it is answered 408 and the connection closed: a body trickling in is cut off then. A bulk job is one request, read as it arrives, and a million lines take minutes, so this is long; it does not limit an answer, such as an event stream or a results download, once the request has arrived.',
    min: 1_000,
    max: 24 * 60 * 60 * 1000,
  })
  INGESTION_REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

  @EnvInt({
    description:
      'How long a request body other than a job upload may take to arrive once its headers have (milliseconds), after which it is answered 408 with code TIMEOUT and the connection closed: a JSON body trickling in is cut off then, not after INGESTION_REQUEST_TIMEOUT_MS, which job uploads (JSON Lines) need to be long.',
    min: 100,
    max: 10 * 60 * 1000,
  })
  INGESTION_BODY_TIMEOUT_MS = 30_000;

  @EnvInt({
    description:
      'How long a read (GET /v1/requests/:id, GET /v1/costs, GET /v1/jobs/:id) may take once its request has arrived and its API key is checked (milliseconds); a slower one is answered 503 with code TIMEOUT. Event streams and JSONL downloads have no such limit.',
    min: 100,
    max: 10 * 60 * 1000,
  })
  INGESTION_READ_DEADLINE_MS = 5_000;

  @EnvInt({
    description:
      'How long POST /v1/requests may take to record and publish its requests once its body has arrived and its API key is checked (milliseconds); a slower one is answered 503 with code TIMEOUT, and may be retried as is (a request with an id is never accepted twice). Job uploads (POST /v1/jobs) have no such limit: they are read as they arrive, bounded by INGESTION_REQUEST_TIMEOUT_MS.',
    min: 100,
    max: 10 * 60 * 1000,
  })
  INGESTION_SUBMIT_DEADLINE_MS = 20_000;

  @EnvInt({
    description:
      "Longest deadline of a synchronous call to the provider facades (/openai/v1, /anthropic; milliseconds): its X-Sluice-Deadline may be no longer (400), and the routing policy's default deadline for the operation is cut to it, since the caller holds its connection open until the answer (embeddings default to a day, for the batch lane). Work that can wait longer goes through the facades' batch APIs.",
    min: 1_000,
    max: 60 * 60 * 1000,
  })
  INGESTION_FACADE_MAX_DEADLINE_MS = 10 * 60 * 1000;

  @EnvInt({
    description:
      'How long past its deadline a synchronous facade call still waits for its answer before it is answered 504 (milliseconds): a request that misses its deadline is failed by the worker, and that failure takes a moment to come back.',
    min: 0,
    max: 60_000,
  })
  INGESTION_FACADE_DEADLINE_GRACE_MS = 5_000;

  @EnvInt({
    description:
      'Largest file POST /openai/v1/files takes (bytes; larger is 413). Files are stored in the ledger in parts of a mebibyte as they arrive, never held whole. OpenAI takes batch input files of up to 200 MB.',
    min: 1_024,
    max: 1_024 * MIB,
  })
  INGESTION_FACADE_FILE_MAX_BYTES = 200 * MIB;

  @EnvInt({
    description:
      'HTTP requests one API key may make per INGESTION_RATE_LIMIT_WINDOW_MS, all routes together (a bulk POST or a job upload counts once); more get 429 with Retry-After. Counted per copy of ingestion.',
    min: 1,
    max: 1_000_000,
  })
  INGESTION_RATE_LIMIT_REQUESTS = 100;

  @EnvInt({ description: 'The sliding window INGESTION_RATE_LIMIT_REQUESTS counts over (milliseconds).', min: 1_000, max: 60 * 60 * 1000 })
  INGESTION_RATE_LIMIT_WINDOW_MS = 1_000;

  @EnvUrl({
    description:
      "Base URL of the ingestion process that serves job uploads (the one running the `bulk` consumer group, at a lower CPU priority): POST /v1/jobs is then streamed there and its answer back, so a job's lines are never read, validated, recorded or published in this process. Unset: this process serves uploads itself. `npm run up` sets it on the ingestion copies that take urgent requests.",
    protocols: ['http:'],
    optional: true,
  })
  INGESTION_JOBS_UPSTREAM?: string;

  @EnvList({
    description:
      "Tenants whose API keys are operator keys in the console (/console): they see every tenant's requests, costs, batches, jobs and dead letters, and may replay or drop dead-lettered messages. Any other key sees its own tenant only. Unset: no operator keys.",
    itemPattern: /^[a-z0-9][a-z0-9_-]{0,63}$/,
    itemRule: 'tenant ids',
    optional: true,
  })
  INGESTION_CONSOLE_OPERATOR_TENANTS?: string[];

  @EnvString({
    description:
      "Folder of the console's built front end (index.html and its assets, written by npm run build). Unset: the console folder beside the running bundle, dist/apps/ingestion/console.",
    pattern: /\S/,
    rule: 'must be a folder path',
    optional: true,
  })
  INGESTION_CONSOLE_DIR?: string;

  @EnvString({
    description: 'The dead-letter topic the console lists, replays from and drops from (the one the services dead-letter to, as `npx sluice dlq --dlq-topic`).',
    pattern: /^[A-Za-z0-9._-]{1,249}$/,
    rule: 'must be a Kafka topic name',
  })
  INGESTION_CONSOLE_DLQ_TOPIC: string = Topics.Dlq;

  @EnvEnum({
    description:
      'What a tenant may do that has no intake topics bound or no replyTo prefixes (`npm run keys -- bind`, `npm run keys -- reply-to`): `open` (as before bindings existed: its requests may come from either intake topic, and name any replyTo the contract allows) or `closed` (no request from Kafka, no replyTo). `open` is logged as a warning at boot when SLUICE_ENV is production: whoever may write an intake topic then speaks for every unbound tenant.',
    values: ['open', 'closed'],
  })
  INGESTION_UNCONFIGURED_TENANTS: 'open' | 'closed' = 'open';

  @EnvInt({
    description:
      "How often tenants' policies (disabled, bound intake topics, replyTo prefixes) are read from the ledger again (milliseconds): a change takes effect within it. They are held in memory, never read per request.",
    min: 100,
    max: 60 * 60 * 1000,
  })
  INGESTION_TENANT_POLICIES_REFRESH_MS = 10_000;

  @EnvInt({
    description:
      "How often the cluster's topic list is read again (milliseconds), against which a request's replyTo is checked: one naming a topic that does not exist is refused with REPLY_TO_NOT_FOUND. The list is held in memory, never read per request; a batch naming a topic not in it reads it again first (see INGESTION_TOPICS_RECHECK_GAP_MS), so a topic created a moment ago is taken, and a deleted one is refused within this interval. While the list cannot be read, no replyTo is refused for not existing.",
    min: 1_000,
    max: 60 * 60 * 1000,
  })
  INGESTION_TOPICS_REFRESH_MS = 30_000;

  @EnvInt({
    description:
      'Least time between two reads of the topic list prompted by a replyTo not in it (milliseconds): a stream of requests naming made-up topics costs the broker one listing per this, and within it such requests are refused on the list last read.',
    min: 0,
    max: 60 * 1000,
  })
  INGESTION_TOPICS_RECHECK_GAP_MS = 1_000;
}
