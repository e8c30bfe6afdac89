/**
 * Bad input as producers and API clients send it, each kind with the coded refusal Sluice gives it.
 * Plain data (no framework, no Sluice imports), so the fast tests, the integration specs and the chaos
 * benchmark share one list. Codes are spelt as strings: the tests compare them with Sluice's own.
 *
 * On Kafka (sluice.requests.v1), a message with a readable tenant is refused by a `rejected` event
 * keyed by its id (or one derived from its position when it has no usable id); a message that cannot
 * be read as a JSON object, or names no usable tenant, goes to sluice.dlq.v1 with the code in its
 * `x-sluice-error-code` header. Over HTTP the same kinds are refused by the answer itself.
 */

export interface BadInputCase {
  kind: string;
  /** what a producer sends to sluice.requests.v1 */
  value: Buffer | string;
  key?: string;
  headers?: Record<string, string>;
  /** the coded refusal Sluice must give */
  expect: { code: string; field?: string };
  /** readable request id, if any: then a rejected event/result must name it */
  requestId?: string;
  /** Sent as `x-correlation-id` by a case refused under an id Sluice derives: its rejected event carries it, so a reader can find it. */
  correlationId?: string;
  /**
   * A valid message sent (and accepted) just before this one on the same partition, which this case
   * is refused against: the first of two requests under one id.
   */
  setup?: { value: string; key?: string };
}

/**
 * A case's value (or setup) as the bytes to produce. Send these, not the string: a producer that
 * JSON-encodes what is not a Buffer (as @sluice/kafka's does) would send every case as a JSON string.
 */
export function valueBytes(value: Buffer | string): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value);
}

export interface CorpusOptions {
  /** The tenant of every case that has a usable one; the API key's tenant over HTTP. */
  tenant?: string;
}

/** Above every size limit of a single request (1 MiB by default, on Kafka and HTTP alike). */
export const OVERSIZE_PROMPT_BYTES = 2 * 1024 * 1024;

/** Far beyond the nesting Sluice walks (64 levels per field), and deep enough to overflow a recursive walk. */
export const DEEP_NESTING_LEVELS = 3_000;

// Ids are `<run>-<kind>` (and `-http`, `-bulk`, `-job` over HTTP): within the 64 characters of a request id.
const RUN_PATTERN = /^[A-Za-z0-9_-]{1,24}$/;

function checkRun(run: string): void {
  if (!RUN_PATTERN.test(run)) throw new Error(`run must be 1-24 of A-Z, a-z, 0-9, _ or -, not ${JSON.stringify(run)}`);
}

type Plain = Record<string, unknown>;

/** A valid chat request: each case breaks one thing of it. */
function validRequest(id: string, tenant: string): Plain {
  return {
    id,
    tenant,
    provider: 'openai',
    operation: 'chat',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `corpus ${id}` }], max_tokens: 16 },
    maxLatencyMs: 60_000,
  };
}

function validEmbedding(id: string, tenant: string): Plain {
  return { id, tenant, provider: 'openai', operation: 'embedding', body: { model: 'text-embedding-3-small', input: `corpus ${id}` }, maxLatencyMs: 60_000 };
}

function withBody(request: Plain, body: Plain): Plain {
  return { ...request, body: { ...(request.body as Plain), ...body } };
}

function without(request: Plain, field: string): Plain {
  return Object.fromEntries(Object.entries(request).filter(([key]) => key !== field));
}

/** The request as JSON text with `marker` (a JSON string) replaced by arrays nested `levels` deep: JSON.stringify could not write it. */
function nested(request: Plain, marker: string, levels: number): string {
  return JSON.stringify(request).replace(JSON.stringify(marker), `${'['.repeat(levels)}${']'.repeat(levels)}`);
}

/**
 * The Kafka corpus: at least 30 kinds, ids `<run>-<kind>` so concurrent runs never collide (`run`:
 * 1-24 of A-Z, a-z, 0-9, _ or -). Cases with a `requestId` must each get a `rejected` event naming
 * `expect.code` (and `expect.field` when given); the others are dead-lettered under `expect.code`,
 * except `id-invalid`, which is rejected under an id derived from its position.
 */
export function badInputCorpus(run: string, options: CorpusOptions = {}): BadInputCase[] {
  checkRun(run);
  return kafkaCases(run, options.tenant ?? 'corpus');
}

function kafkaCases(run: string, tenant: string): BadInputCase[] {
  const id = (kind: string) => `${run}-${kind}`;
  const cases: BadInputCase[] = [];
  /** A case whose request names a usable tenant and id: refused by a `rejected` event naming it. */
  const rejected = (kind: string, value: Plain | string | Buffer, code: string, field?: string) =>
    cases.push({
      kind,
      value: typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value),
      key: id(kind),
      expect: field === undefined ? { code } : { code, field },
      requestId: id(kind),
    });
  /** A case that cannot be read as a request of a usable tenant: dead-lettered with `code`. */
  const deadLettered = (kind: string, value: Plain | string | Buffer, code: string, field?: string) =>
    cases.push({
      kind,
      value: typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value),
      key: id(kind),
      expect: field === undefined ? { code } : { code, field },
    });
  const request = (kind: string) => validRequest(id(kind), tenant);

  // Not a JSON object at all.
  deadLettered('not-json', `{"id": "${id('not-json')}", "tenant": "${tenant}", oops`, 'INVALID_JSON');
  deadLettered('empty-value', Buffer.alloc(0), 'EMPTY_VALUE');
  deadLettered(
    'invalid-utf8',
    Buffer.concat([
      Buffer.from(JSON.stringify(request('invalid-utf8')).replace(/}$/, ', "metadata": {"note": "')),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}}'),
    ]),
    'INVALID_JSON',
  );
  deadLettered('top-level-array', `[${JSON.stringify(request('top-level-array'))}]`, 'VALIDATION_FAILED');
  deadLettered('top-level-number', '42', 'VALIDATION_FAILED');
  deadLettered('top-level-null', 'null', 'VALIDATION_FAILED');
  deadLettered('top-level-string', JSON.stringify(JSON.stringify(request('top-level-string'))), 'VALIDATION_FAILED');

  // No usable tenant: nowhere to report a rejection.
  deadLettered('tenant-missing', without(request('tenant-missing'), 'tenant'), 'MISSING_TENANT', 'tenant');
  deadLettered('tenant-wrong-type', { ...request('tenant-wrong-type'), tenant: 42 }, 'INVALID_TENANT', 'tenant');
  deadLettered('tenant-invalid', { ...request('tenant-invalid'), tenant: 'Not A Tenant' }, 'INVALID_TENANT', 'tenant');
  deadLettered('tenant-too-long', { ...request('tenant-too-long'), tenant: 't'.repeat(65) }, 'INVALID_TENANT', 'tenant');

  // Size and shape limits.
  rejected('deep-nesting', nested(withBody(request('deep-nesting'), { messages: 'DEEP' }), 'DEEP', DEEP_NESTING_LEVELS), 'INVALID_FIELD', 'body');
  rejected(
    'deep-nesting-metadata',
    nested({ ...request('deep-nesting-metadata'), metadata: 'DEEP' }, 'DEEP', DEEP_NESTING_LEVELS),
    'INVALID_FIELD',
    'metadata',
  );
  rejected(
    'oversize-prompt',
    withBody(request('oversize-prompt'), { messages: [{ role: 'user', content: 'x'.repeat(OVERSIZE_PROMPT_BYTES) }] }),
    'PAYLOAD_TOO_LARGE',
  );

  // Wrong types and values, field by field.
  const idInvalid = { ...request('id-invalid'), id: 'not a valid id!' };
  cases.push({
    kind: 'id-invalid',
    value: JSON.stringify(idInvalid),
    key: id('id-invalid'),
    headers: { 'x-correlation-id': id('id-invalid') },
    correlationId: id('id-invalid'),
    expect: { code: 'INVALID_FIELD', field: 'id' },
  });
  rejected('provider-wrong-type', { ...request('provider-wrong-type'), provider: 1 }, 'INVALID_FIELD', 'provider');
  rejected('provider-unknown', { ...request('provider-unknown'), provider: 'mistral' }, 'INVALID_FIELD', 'provider');
  rejected('operation-unknown', { ...request('operation-unknown'), operation: 'image' }, 'INVALID_FIELD', 'operation');
  rejected('body-wrong-type', { ...request('body-wrong-type'), body: 'hello' }, 'INVALID_FIELD', 'body');
  rejected('model-missing', { ...request('model-missing'), body: { messages: [{ role: 'user', content: 'hi' }] } }, 'MISSING_FIELD', 'body.model');
  rejected('model-wrong-type', withBody(request('model-wrong-type'), { model: 5 }), 'INVALID_FIELD', 'body.model');
  rejected('model-unknown', withBody(request('model-unknown'), { model: 'gpt-nonexistent' }), 'MODEL_UNKNOWN', 'body.model');
  rejected(
    'model-of-other-operation',
    withBody(validEmbedding(id('model-of-other-operation'), tenant), { model: 'gpt-4o-mini' }),
    'MODEL_UNKNOWN',
    'body.model',
  );
  rejected('messages-wrong-type', withBody(request('messages-wrong-type'), { messages: 'hello' }), 'INVALID_FIELD', 'body.messages');
  rejected('messages-missing', { ...request('messages-missing'), body: { model: 'gpt-4o-mini' } }, 'MISSING_FIELD', 'body.messages');
  rejected('input-wrong-type', withBody(validEmbedding(id('input-wrong-type'), tenant), { input: 42 }), 'INVALID_FIELD', 'body.input');
  rejected('mode-unknown', { ...request('mode-unknown'), mode: 'whenever' }, 'INVALID_FIELD', 'mode');
  rejected('mode-wrong-type', { ...request('mode-wrong-type'), mode: 3 }, 'INVALID_FIELD', 'mode');
  rejected('deadline-unparseable', { ...without(request('deadline-unparseable'), 'maxLatencyMs'), deadline: 'tomorrow' }, 'INVALID_FIELD', 'deadline');
  rejected(
    'deadline-without-offset',
    { ...without(request('deadline-without-offset'), 'maxLatencyMs'), deadline: '2030-01-01T12:00:00' },
    'INVALID_FIELD',
    'deadline',
  );
  rejected('deadline-wrong-type', { ...without(request('deadline-wrong-type'), 'maxLatencyMs'), deadline: 1_893_499_200_000 }, 'INVALID_FIELD', 'deadline');
  rejected('deadline-and-max-latency', { ...request('deadline-and-max-latency'), deadline: '2030-01-01T12:00:00Z' }, 'INVALID_FIELD', 'maxLatencyMs');
  rejected('max-latency-negative', { ...request('max-latency-negative'), maxLatencyMs: -1 }, 'INVALID_FIELD', 'maxLatencyMs');
  rejected(
    'not-before-after-deadline',
    { ...without(request('not-before-after-deadline'), 'maxLatencyMs'), deadline: '2030-01-01T12:00:00Z', notBefore: '2031-01-01T00:00:00Z' },
    'INVALID_FIELD',
    'notBefore',
  );
  rejected('max-tokens-negative', withBody(request('max-tokens-negative'), { max_tokens: -5 }), 'INVALID_FIELD', 'body.max_tokens');
  rejected('max-tokens-huge', withBody(request('max-tokens-huge'), { max_tokens: 1e12 }), 'INVALID_FIELD', 'body.max_tokens');
  rejected('stream-wrong-type', { ...request('stream-wrong-type'), stream: 'yes' }, 'INVALID_FIELD', 'stream');
  rejected('stream-embedding', { ...validEmbedding(id('stream-embedding'), tenant), stream: true }, 'INVALID_FIELD', 'stream');
  rejected('cache-wrong-type', { ...request('cache-wrong-type'), cache: 'no' }, 'INVALID_FIELD', 'cache');
  rejected('metadata-wrong-type', { ...request('metadata-wrong-type'), metadata: { attempt: 1 } }, 'INVALID_FIELD', 'metadata');
  rejected('webhook-plain-http', { ...request('webhook-plain-http'), webhook: { url: 'http://hooks.example.com/sluice' } }, 'INVALID_FIELD', 'webhook.url');

  // Fields that would change the price or bypass routing.
  rejected('service-tier', withBody(request('service-tier'), { service_tier: 'priority' }), 'INVALID_FIELD', 'body.service_tier');
  rejected('n-out-of-range', withBody(request('n-out-of-range'), { n: 1000 }), 'INVALID_FIELD', 'body.n');

  // Where results would go.
  rejected('reply-to-internal', { ...request('reply-to-internal'), replyTo: '__consumer_offsets' }, 'INVALID_FIELD', 'replyTo');
  rejected('reply-to-sluice-topic', { ...request('reply-to-sluice-topic'), replyTo: 'sluice.results.v1' }, 'INVALID_FIELD', 'replyTo');
  rejected('reply-to-illegal-name', { ...request('reply-to-illegal-name'), replyTo: 'no spaces allowed' }, 'INVALID_FIELD', 'replyTo');

  // What the contract does not know.
  rejected('unknown-field', { ...request('unknown-field'), priority: 'high' }, 'UNKNOWN_FIELD', 'priority');
  rejected('schema-version', { ...request('schema-version'), version: 2 }, 'UNKNOWN_FIELD', 'version');
  rejected('prototype-key', JSON.stringify(request('prototype-key')).replace(/}$/, ', "__proto__": {"mode": "realtime"}}'), 'UNKNOWN_FIELD', '__proto__');

  // An id already taken by a different request: the first is accepted, this one refused.
  const taken = id('duplicate-id');
  cases.push({
    kind: 'duplicate-id-conflict',
    value: JSON.stringify(withBody(validRequest(taken, tenant), { messages: [{ role: 'user', content: 'a different question' }] })),
    key: taken,
    expect: { code: 'DUPLICATE_ID_CONFLICT', field: 'id' },
    requestId: taken,
    setup: { value: JSON.stringify(validRequest(taken, tenant)), key: taken },
  });
  return cases;
}

/** Where an HTTP case goes: the body of POST /v1/requests, one item of a bulk POST, or one line of POST /v1/jobs. */
export type HttpCasePlace = 'request' | 'bulk-item' | 'job-line';

export interface HttpBadInputCase {
  kind: string;
  place: HttpCasePlace;
  /** The POST /v1/requests body (`request`, `bulk-item`) or the JSONL line (`job-line`), as sent. */
  body: Buffer | string;
  /**
   * The refusal: the HTTP status of a POST /v1/requests (absent for a job line, which the job reports),
   * and the code and field of the first error, as the request's `rejected` event names them.
   */
  expect: { status?: number; code: string; field?: string };
  /** The id the refusal names, when the request brings a usable one. */
  requestId?: string;
}

/** The kinds that mean the same over HTTP as on Kafka: a JSON object refused for one of its fields. */
const HTTP_KINDS_EXCLUDED = new Set([
  // Read differently over HTTP: the tenant is the API key's, the body parser reads the bytes.
  'tenant-missing',
  'tenant-wrong-type',
  'tenant-invalid',
  'tenant-too-long',
  'not-json',
  'empty-value',
  'invalid-utf8',
  'top-level-array',
  'top-level-number',
  'top-level-null',
  'top-level-string',
  'duplicate-id-conflict',
]);

/**
 * The HTTP corpus: the Kafka kinds that are refused for a field, without their tenant (the API key
 * gives it), as a single POST /v1/requests (400, or 413 for the oversize one), as the only item of a
 * bulk POST (400, the field under `requests.0`) and as a job line; plus what only HTTP has (a body
 * that is not JSON, a bulk body that is not an array, another tenant's request). Ids as in badInputCorpus
 * with `-http`, `-bulk` or `-job` after the run, so the three places never share an id.
 */
export function httpBadInputCorpus(run: string, options: CorpusOptions = {}): HttpBadInputCase[] {
  checkRun(run);
  const tenant = options.tenant ?? 'corpus';
  const cases: HttpBadInputCase[] = [];
  const places: Array<{ place: HttpCasePlace; suffix: string }> = [
    { place: 'request', suffix: 'http' },
    { place: 'bulk-item', suffix: 'bulk' },
    { place: 'job-line', suffix: 'job' },
  ];
  for (const { place, suffix } of places) {
    for (const kafkaCase of kafkaCases(`${run}-${suffix}`, tenant)) {
      if (HTTP_KINDS_EXCLUDED.has(kafkaCase.kind)) continue;
      const text = kafkaCase.value.toString();
      // The tenant comes from the API key; a body may leave it out.
      const item = text.replace(/"tenant":"[^"]*",?/, '');
      const oversize = kafkaCase.expect.code === 'PAYLOAD_TOO_LARGE';
      const requestId = kafkaCase.requestId;
      if (place === 'request') {
        cases.push({
          kind: kafkaCase.kind,
          place,
          body: item,
          expect: { status: oversize ? 413 : 400, ...kafkaCase.expect },
          requestId: oversize ? undefined : requestId,
        });
      } else if (place === 'bulk-item') {
        const field = kafkaCase.expect.field === undefined ? 'requests.0' : `requests.0.${kafkaCase.expect.field}`;
        cases.push({
          kind: kafkaCase.kind,
          place,
          body: `{"requests":[${item}]}`,
          expect: { status: 400, code: kafkaCase.expect.code, field },
          requestId,
        });
      } else {
        cases.push({ kind: kafkaCase.kind, place, body: item, expect: kafkaCase.expect, requestId: oversize ? undefined : requestId });
      }
    }
  }
  cases.push(
    { kind: 'not-json', place: 'request', body: '{"provider": "openai", oops', expect: { status: 400, code: 'INVALID_JSON' } },
    { kind: 'top-level-array', place: 'request', body: '[]', expect: { status: 400, code: 'VALIDATION_FAILED' } },
    { kind: 'bulk-not-array', place: 'request', body: '{"requests": {"id": "x"}}', expect: { status: 400, code: 'INVALID_FIELD' } },
    { kind: 'bulk-extra-field', place: 'request', body: '{"requests": [], "priority": "high"}', expect: { status: 400, code: 'UNKNOWN_FIELD' } },
    {
      kind: 'other-tenant',
      place: 'request',
      body: JSON.stringify(validRequest(`${run}-other-tenant`, `${tenant}-other`)),
      expect: { status: 403, code: 'FORBIDDEN' },
    },
    { kind: 'bulk-item-not-object', place: 'bulk-item', body: '{"requests":[42]}', expect: { status: 400, code: 'VALIDATION_FAILED', field: 'requests.0' } },
    { kind: 'not-json', place: 'job-line', body: '{"provider": "openai", oops', expect: { code: 'INVALID_JSON' } },
  );
  return cases;
}
