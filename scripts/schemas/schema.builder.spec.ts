import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  AcceptedRequestV1,
  DeadLetterHeadersV1,
  InferenceRequestV1,
  InferenceResultV1,
  LaneRequestV1,
  LifecycleEventV1,
  StreamChunkV1,
  validateMessage,
} from '@sluice/contracts';
import {
  sampleAccepted,
  sampleDeadLetterHeaders,
  sampleEvent,
  sampleFailedResult,
  sampleLaneRequest,
  sampleRequest,
  sampleResult,
  sampleStreamChunk,
} from '@sluice/contracts/testing/message.samples';
import { buildMessageSchemas, MESSAGE_SCHEMAS } from './schema.builder';

const schemas = buildMessageSchemas();
// Strict, except that cross-field rules (`not: {required}`, `if/then`) name properties defined one level up.
const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true });
addFormats(ajv);
const validators: Record<string, ValidateFunction> = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, ajv.compile(schema)]));

type Sample = Record<string, unknown>;
const cases: Array<{ name: string; cls: new () => object; valid: Sample[]; invalid: Array<[string, Sample]> }> = [
  {
    name: 'request.v1',
    cls: InferenceRequestV1,
    valid: [
      sampleRequest(),
      { tenant: 'acme', provider: 'openai', operation: 'embedding', body: { model: 'text-embedding-3-small', input: ['a'] }, maxLatencyMs: 5000 },
    ],
    invalid: [
      ['unknown field', sampleRequest({ priority: 1 })],
      ['missing tenant', sampleRequest({ tenant: undefined })],
      ['body without model', sampleRequest({ body: { messages: [] } })],
      ['deadline with maxLatencyMs', sampleRequest({ maxLatencyMs: 10 })],
      ['deadline without offset', sampleRequest({ deadline: '2030-01-01T00:00:00' })],
      ['http webhook', sampleRequest({ webhook: { url: 'http://hooks.example.com' } })],
      ['webhook with credentials', sampleRequest({ webhook: { url: 'https://u:p@hooks.example.com' } })],
      ['unknown webhook field', sampleRequest({ webhook: { url: 'https://hooks.example.com', token: 'x' } })],
      ['replyTo on our topic', sampleRequest({ replyTo: 'sluice.results.v1' })],
      ['non-string metadata', sampleRequest({ metadata: { a: 1 } })],
      ['fractional maxLatencyMs', sampleRequest({ deadline: undefined, maxLatencyMs: 1.5 })],
      ['null mode', sampleRequest({ mode: null })],
    ],
  },
  {
    name: 'accepted.v1',
    cls: AcceptedRequestV1,
    valid: [sampleAccepted()],
    invalid: [
      ['request without id', sampleAccepted({ request: sampleRequest({ id: undefined }) })],
      ['unknown source', sampleAccepted({ source: 'ftp' })],
    ],
  },
  {
    name: 'lane-request.v1',
    cls: LaneRequestV1,
    valid: [sampleLaneRequest()],
    invalid: [
      ['no routing', sampleAccepted()],
      ['negative cost', sampleLaneRequest({ routing: { ...(sampleLaneRequest().routing as Sample), estimatedCostUsd: -1 } })],
    ],
  },
  {
    name: 'result.v1',
    cls: InferenceResultV1,
    valid: [sampleResult(), sampleFailedResult()],
    invalid: [
      ['succeeded without response', sampleResult({ response: undefined })],
      ['failed without error', sampleFailedResult({ error: undefined })],
      ['unknown error code', sampleFailedResult({ error: { code: 'OOPS', message: 'x', retryable: false } })],
      ['negative tokens', sampleResult({ usage: { inputTokens: -1, outputTokens: 0 } })],
      ['missing timings', sampleResult({ timings: undefined })],
    ],
  },
  {
    name: 'event.v1',
    cls: LifecycleEventV1,
    valid: [
      sampleEvent(),
      sampleEvent({
        type: 'rejected',
        lane: undefined,
        reason: undefined,
        error: { code: 'MISSING_FIELD', message: 'body.model is required', field: 'body.model' },
      }),
    ],
    invalid: [
      ['routed without lane', sampleEvent({ lane: undefined })],
      ['progress without progress', sampleEvent({ type: 'progress' })],
      ['unknown type', sampleEvent({ type: 'exploded' })],
    ],
  },
  {
    name: 'stream-chunk.v1',
    cls: StreamChunkV1,
    valid: [sampleStreamChunk(), sampleStreamChunk({ seq: 5, delta: '', final: true, finishReason: 'stop' })],
    invalid: [['negative seq', sampleStreamChunk({ seq: -1 })]],
  },
  {
    name: 'dlq-headers.v1',
    cls: DeadLetterHeadersV1,
    valid: [sampleDeadLetterHeaders()],
    invalid: [['non-numeric offset', sampleDeadLetterHeaders({ 'x-sluice-original-offset': 'abc' })]],
  },
];

// JSON round trip: what is on the wire, with undefined overrides dropped.
const wire = (sample: Sample): unknown => JSON.parse(JSON.stringify(sample)) as unknown;

describe('generated JSON Schemas', () => {
  it('publishes one schema per message, with identity fields', () => {
    expect(Object.keys(schemas).sort()).toEqual(MESSAGE_SCHEMAS.map((s) => s.name).sort());
    for (const [name, schema] of Object.entries(schemas)) {
      expect(schema).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', $id: `urn:sluice:schema:${name}`, title: expect.any(String) });
    }
  });

  it('covers every message case below', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(schemas).sort());
  });

  describe.each(cases)('$name', ({ name, cls, valid, invalid }) => {
    it.each(valid.map((sample, i) => [i, sample] as const))('accepts valid sample %i, as validateMessage does', (_i, sample) => {
      const validate = validators[name];
      expect(validate(wire(sample))).toBe(true);
      expect(validate.errors ?? null).toBeNull();
      expect(validateMessage(cls, wire(sample)).ok).toBe(true);
    });

    it.each(invalid)('rejects %s, as validateMessage does', (_label, sample) => {
      expect(validators[name](wire(sample))).toBe(false);
      expect(validateMessage(cls, wire(sample)).ok).toBe(false);
    });
  });

  it('states the defaults validateMessage fills in', () => {
    const properties = schemas['request.v1'].properties as Record<string, { default?: unknown }>;
    expect([properties.mode.default, properties.stream.default, properties.cache.default]).toEqual(['auto', false, true]);
  });
});
