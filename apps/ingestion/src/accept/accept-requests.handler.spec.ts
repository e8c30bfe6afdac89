import { AcceptedRequestV1, ErrorCode, InferenceRequestV1, LifecycleEventV1, Topics, validateMessage } from '@sluice/contracts';
import { cacheContentHash, requestFingerprint } from '@sluice/ledger';
import { DEFAULT_POLICY } from '@sluice/routing';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { CountingCounters, MemoryLedger, RecordingPublisher } from '../../test/intake.fakes';
import { AcceptRequestsHandler, Submission } from './accept-requests.handler';

const NOW = new Date('2030-01-01T10:00:00.000Z');

function request(overrides: Record<string, unknown> = {}): InferenceRequestV1 {
  const outcome = validateMessage(InferenceRequestV1, sampleRequest(overrides));
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

function submission(overrides: Record<string, unknown> = {}, extra: Partial<Submission> = {}): Submission {
  return { request: request(overrides), source: 'http', trace: { correlationId: 'corr-1' }, ...extra };
}

function setUp() {
  const ledger = new MemoryLedger();
  const publisher = new RecordingPublisher();
  const counters = new CountingCounters();
  let clock = NOW;
  let ids = 0;
  const handler = new AcceptRequestsHandler({
    ledger,
    publisher,
    counters,
    clock: () => clock,
    newId: () => `req_generated_${(ids += 1)}`,
    policy: DEFAULT_POLICY,
  });
  return { ledger, publisher, counters, handler, advance: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
}

describe('AcceptRequestsHandler', () => {
  it('records a new request and publishes it with its accepted event in one call', async () => {
    const { ledger, publisher, counters, handler } = setUp();
    const [acceptance] = await handler.accept([submission()]);

    expect(acceptance).toMatchObject({ kind: 'accepted', duplicate: false, record: { tenant: 'acme', id: 'req-1', status: 'accepted' } });
    expect(ledger.rows.size).toBe(1);
    expect(publisher.calls).toHaveLength(1);
    const [accepted, event] = publisher.calls[0];
    expect(accepted).toMatchObject({ topic: Topics.Accepted, key: 'req-1', trace: { correlationId: 'corr-1' } });
    expect(validateMessage(AcceptedRequestV1, JSON.parse(JSON.stringify(accepted.value))).ok).toBe(true);
    expect(accepted.value).toMatchObject({ receivedAt: NOW.toISOString(), deadline: '2030-01-01T12:00:00.000Z', source: 'http' });
    const { request } = accepted.value as AcceptedRequestV1;
    expect((accepted.value as AcceptedRequestV1).contentHash).toBe(cacheContentHash(request.provider, request.operation, request.body));
    expect(ledger.rows.get('acme/req-1')!.bodyHash).toBe(requestFingerprint(request));
    expect(event).toMatchObject({ topic: Topics.Events, key: 'req-1' });
    expect(validateMessage(LifecycleEventV1, JSON.parse(JSON.stringify(event.value))).ok).toBe(true);
    expect(event.value).toMatchObject({ eventId: 'acme.req-1.accepted', type: 'accepted', model: 'gpt-4o-mini', at: NOW.toISOString() });
    expect(counters.acceptedBySource.get('http')).toBe(1);
  });

  it('gives a request without an id the assigned one, or else a generated one', async () => {
    const { handler } = setUp();
    const [assigned, generated] = await handler.accept([submission({ id: undefined }, { assignedId: 'req_from_position' }), submission({ id: undefined })]);
    expect(assigned).toMatchObject({ kind: 'accepted', record: { id: 'req_from_position' } });
    expect(generated).toMatchObject({ kind: 'accepted', record: { id: 'req_generated_1' } });
  });

  it('records the job and line a request came from', async () => {
    const { ledger, handler } = setUp();
    const [fromJob, alone] = await handler.accept([submission({ id: 'j-1' }, { job: { id: 'j', line: 1 } }), submission({ id: 'single' })]);
    expect(fromJob).toMatchObject({ kind: 'accepted', record: { id: 'j-1', job: { id: 'j', line: 1 } } });
    expect(alone).toMatchObject({ kind: 'accepted', record: { id: 'single' } });
    expect(ledger.rows.get('acme/single')).not.toHaveProperty('job');
  });

  it('resolves maxLatencyMs against the receipt time', async () => {
    const { publisher, handler } = setUp();
    await handler.accept([submission({ deadline: undefined, notBefore: undefined, maxLatencyMs: 1_500 })]);
    expect(publisher.calls[0][0].value).toMatchObject({ deadline: '2030-01-01T10:00:01.500Z' });
  });

  it('answers a repeat with the existing request and publishes the original again while it is not routed yet', async () => {
    const { publisher, counters, handler, advance } = setUp();
    await handler.accept([submission({ deadline: undefined, notBefore: undefined, maxLatencyMs: 1_000 })]);
    advance(60_000);
    const [again] = await handler.accept([submission({ deadline: undefined, notBefore: undefined, maxLatencyMs: 1_000 })]);

    expect(again).toMatchObject({ kind: 'accepted', duplicate: true, record: { status: 'accepted' } });
    expect(publisher.calls).toHaveLength(2);
    // The same message as the first time: receipt time and deadline are the original ones.
    expect(publisher.calls[1].map((message) => message.value)).toEqual(publisher.calls[0].map((message) => message.value));
    expect(counters.acceptedBySource.get('http')).toBe(1);
  });

  it('publishes nothing for a repeat of a request that has moved on', async () => {
    const { ledger, publisher, handler } = setUp();
    await handler.accept([submission()]);
    ledger.setStatus('acme', 'req-1', 'routed');
    const [again] = await handler.accept([submission()]);

    expect(again).toMatchObject({ kind: 'accepted', duplicate: true, record: { status: 'routed' } });
    expect(publisher.calls).toHaveLength(1);
  });

  it('refuses the same id with other content: a DUPLICATE_ID_CONFLICT rejected event naming the id', async () => {
    const { publisher, counters, handler } = setUp();
    await handler.accept([submission()]);
    const [conflict] = await handler.accept([submission({ body: { model: 'gpt-4o', messages: [] } })]);

    expect(conflict).toEqual({
      kind: 'conflict',
      tenant: 'acme',
      requestId: 'req-1',
      error: expect.objectContaining({ code: ErrorCode.DUPLICATE_ID_CONFLICT, field: 'id' }),
    });
    const [rejected] = publisher.calls[1];
    expect(rejected).toMatchObject({ topic: Topics.Events, key: 'req-1' });
    expect(validateMessage(LifecycleEventV1, JSON.parse(JSON.stringify(rejected.value))).ok).toBe(true);
    expect(rejected.value).toMatchObject({ type: 'rejected', error: { code: 'DUPLICATE_ID_CONFLICT', field: 'id' } });
    expect((rejected.value as LifecycleEventV1).eventId).toMatch(/^acme\.req-1\.rejected\.[0-9a-f]{16}$/);
    expect(counters.rejectedByCode.get(ErrorCode.DUPLICATE_ID_CONFLICT)).toBe(1);
  });

  it('accepts many in one ledger call and one producer call, each outcome in submission order', async () => {
    const { ledger, publisher, counters, handler } = setUp();
    await handler.accept([submission({ id: 'taken' })]);
    const outcomes = await handler.accept([
      submission({ id: 'a' }),
      submission({ id: 'taken', body: { model: 'other' } }),
      submission({ id: 'b' }, { source: 'kafka' }),
    ]);

    expect(outcomes.map((outcome) => (outcome.kind === 'accepted' ? outcome.record.id : `conflict:${outcome.requestId}`))).toEqual([
      'a',
      'conflict:taken',
      'b',
    ]);
    expect(ledger.insertCalls).toEqual([1, 3]);
    expect(publisher.calls).toHaveLength(2);
    expect(publisher.calls[1].map((message) => `${message.topic}:${message.key}`).sort()).toEqual(
      [`${Topics.Accepted}:a`, `${Topics.Events}:a`, `${Topics.Events}:taken`, `${Topics.Accepted}:b`, `${Topics.Events}:b`].sort(),
    );
    expect(counters.acceptedBySource.get('http')).toBe(2);
    expect(counters.acceptedBySource.get('kafka')).toBe(1);
  });

  it('counts nothing as accepted when publishing fails, and a retry publishes what the ledger already holds', async () => {
    const { publisher, counters, handler } = setUp();
    publisher.failNext = true;
    await expect(handler.accept([submission()])).rejects.toThrow('broker unreachable');
    expect(counters.acceptedBySource.size).toBe(0);

    const [retry] = await handler.accept([submission()]);
    expect(retry).toMatchObject({ kind: 'accepted', duplicate: true });
    expect(publisher.messages.map((message) => message.topic)).toEqual([Topics.Accepted, Topics.Events]);
  });

  it('sends a request whose deadline needs the realtime lane to sluice.accepted.urgent.v1, the rest to sluice.accepted.v1', async () => {
    const { publisher, handler } = setUp();
    await handler.accept([
      submission({ id: 'soon', deadline: undefined, notBefore: undefined, maxLatencyMs: 20_000 }),
      submission({ id: 'streamed', stream: true, cache: false }),
      submission({ id: 'explicit', mode: 'realtime' }),
      submission({ id: 'later', deadline: '2030-01-03T10:00:00Z' }),
    ]);
    const topics = new Map(publisher.messages.filter((message) => message.topic !== Topics.Events).map((message) => [message.key, message.topic]));
    expect(topics).toEqual(
      new Map([
        ['soon', Topics.AcceptedUrgent],
        ['streamed', Topics.AcceptedUrgent],
        ['explicit', Topics.AcceptedUrgent],
        ['later', Topics.Accepted],
      ]),
    );
  });

  it('keeps a request the sender put on the bulk path there, whatever its deadline', async () => {
    const { publisher, handler } = setUp();
    await handler.accept([submission({ id: 'bulk-soon', deadline: undefined, notBefore: undefined, maxLatencyMs: 20_000 }, { bulk: true })]);
    expect(publisher.messages.map((message) => message.topic)).toEqual([Topics.Accepted, Topics.Events]);
  });

  it('publishes an urgent repeat, still unrouted, to the urgent topic again', async () => {
    const { publisher, handler, advance } = setUp();
    await handler.accept([submission({ deadline: undefined, notBefore: undefined, maxLatencyMs: 20_000 })]);
    advance(1_000);
    await handler.accept([submission({ deadline: undefined, notBefore: undefined, maxLatencyMs: 20_000 })]);
    expect(publisher.calls.map((call) => call[0].topic)).toEqual([Topics.AcceptedUrgent, Topics.AcceptedUrgent]);
  });

  it('publishes a rejected event per invalid request with the first problem, naming the others', async () => {
    const { publisher, counters, handler } = setUp();
    await handler.reject([
      {
        tenant: 'acme',
        requestId: 'bad-1',
        errors: [
          { code: ErrorCode.MISSING_FIELD, message: 'body.model is required', field: 'body.model' },
          { code: ErrorCode.INVALID_FIELD, message: 'mode must be one of …', field: 'mode' },
        ],
        attempt: '0123456789abcdef',
        trace: {},
      },
    ]);
    const [rejected] = publisher.messages;
    expect(validateMessage(LifecycleEventV1, JSON.parse(JSON.stringify(rejected.value))).ok).toBe(true);
    expect(rejected).toMatchObject({ topic: Topics.Events, key: 'bad-1' });
    expect(rejected.value).toMatchObject({
      eventId: 'acme.bad-1.rejected.0123456789abcdef',
      error: { code: 'MISSING_FIELD', field: 'body.model', message: 'body.model is required (and 1 more: mode)' },
    });
    expect(counters.rejectedByCode.get(ErrorCode.MISSING_FIELD)).toBe(1);
  });
});
