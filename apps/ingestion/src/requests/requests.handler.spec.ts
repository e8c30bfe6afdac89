import { ErrorCode, LifecycleEventV1, Topics } from '@sluice/contracts';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { NonRetryableError } from '@sluice/kafka';
import type { InsertRequestOutcome, NewRequestRecord } from '@sluice/ledger';
import { DEFAULT_POLICY } from '@sluice/routing';
import { CountingCounters, KnownTopics, MemoryLedger, RecordingPublisher } from '../../test/intake.fakes';
import { AcceptRequestsHandler } from '../accept/accept-requests.handler';
import { requestIdForMessage } from '../accept/request-id.generator';
import { admissionErrors, OPEN_ADMISSION, TenantAdmission } from '../tenants/tenant.admission';
import { ConsumedRequest, ItemResult, RequestsHandler } from './requests.handler';

const NOW = new Date('2030-01-01T00:00:00Z');

const message: ConsumedRequest = {
  topic: Topics.Requests,
  partition: 2,
  offset: '17',
  timestamp: '1893491000000',
  headers: { 'x-correlation-id': 'corr-7', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
};

function at(offset: number): ConsumedRequest {
  return { ...message, offset: String(offset) };
}

/** A ledger that cannot store one request (as PostgreSQL refuses a \u0000 in text): any insert holding it fails. */
class PoisonedLedger extends MemoryLedger {
  override async insertMany(requests: readonly NewRequestRecord[]): Promise<InsertRequestOutcome[]> {
    if (requests.some((request) => request.id === 'poison')) throw new Error('unsupported Unicode escape sequence');
    return super.insertMany(requests);
  }
}

function setUp(ledger = new MemoryLedger(), tenants: TenantAdmission = OPEN_ADMISSION, topics = new KnownTopics(['acme.replies'])) {
  const publisher = new RecordingPublisher();
  const counters = new CountingCounters();
  const intake = new AcceptRequestsHandler({ ledger, publisher, counters, clock: () => NOW, newId: () => 'unused', policy: DEFAULT_POLICY });
  const handler = new RequestsHandler(intake, counters, { maxBytes: 1_000_000 }, tenants, topics);
  const one = async (plain: Record<string, unknown>, consumed = message): Promise<ItemResult> => {
    const [result] = await handler.handle([{ plain, message: consumed }], { bulk: false });
    return result;
  };
  return { ledger, publisher, counters, handler, one, topics };
}

function acceptedTopicOf(publisher: RecordingPublisher, id: string): string | undefined {
  return publisher.messages.find((sent) => sent.key === id && sent.topic !== Topics.Events)?.topic;
}

describe('RequestsHandler', () => {
  it('accepts a valid request from Kafka, carrying the correlation headers on', async () => {
    const { publisher, counters, one } = setUp();
    const result = await one(sampleRequest());

    expect(result).toEqual({ ok: true, outcome: { kind: 'accepted', tenant: 'acme', requestId: 'req-1', duplicate: false } });
    expect(publisher.messages[0]).toMatchObject({
      topic: Topics.Accepted,
      value: { source: 'kafka' },
      trace: { correlationId: 'corr-7', traceparent: message.headers.traceparent },
    });
    expect(counters.acceptedBySource.get('kafka')).toBe(1);
  });

  it('names a request without an id after its message position, so a redelivery is a duplicate', async () => {
    const { one } = setUp();
    const first = await one(sampleRequest({ id: undefined }));
    const again = await one(sampleRequest({ id: undefined }));

    expect(first).toMatchObject({ ok: true, outcome: { kind: 'accepted', requestId: requestIdForMessage(message), duplicate: false } });
    expect(again).toMatchObject({ ok: true, outcome: { kind: 'accepted', requestId: requestIdForMessage(message), duplicate: true } });
  });

  it("rejects a request from a topic its tenant is not bound to, and one whose replyTo is outside the tenant's prefixes, recording neither", async () => {
    const acme = { id: 'acme', disabled: false, intakeTopics: [Topics.RequestsBulk], replyToPrefixes: ['acme.'] };
    const { ledger, publisher, counters, one } = setUp(new MemoryLedger(), { errors: (input) => admissionErrors(acme, 'closed', input) });
    const elsewhere = await one(sampleRequest({ id: 'not-bound' }));
    const replyTo = await one(sampleRequest({ id: 'far-reply', replyTo: 'globex.answers' }), { ...message, topic: Topics.RequestsBulk });

    expect(elsewhere).toMatchObject({ ok: true, outcome: { kind: 'rejected', tenant: 'acme', requestId: 'not-bound' } });
    expect(replyTo).toMatchObject({ ok: true, outcome: { kind: 'rejected', tenant: 'acme', requestId: 'far-reply' } });
    expect(ledger.rows.size).toBe(0);
    expect(publisher.messages.map((sent) => sent.value)).toEqual([
      expect.objectContaining({
        type: 'rejected',
        requestId: 'not-bound',
        error: expect.objectContaining({ code: 'TENANT_NOT_BOUND', field: 'tenant' }) as unknown,
      }),
      expect.objectContaining({
        type: 'rejected',
        requestId: 'far-reply',
        error: expect.objectContaining({ code: 'REPLY_TO_NOT_ALLOWED', field: 'replyTo' }) as unknown,
      }),
    ]);
    expect(counters.rejectedByCode.get(ErrorCode.TENANT_NOT_BOUND)).toBe(1);
  });

  it('rejects a request whose replyTo topic does not exist by a rejected event naming replyTo, with one look-up for the batch, and takes the rest', async () => {
    const topics = new KnownTopics(['acme.replies']);
    const { ledger, publisher, counters, handler } = setUp(new MemoryLedger(), OPEN_ADMISSION, topics);
    const results = await handler.handle(
      [
        { plain: sampleRequest({ id: 'nowhere', replyTo: 'acme.nowhere' }), message: at(1) },
        { plain: sampleRequest({ id: 'broken', replyTo: 'no such name' }), message: at(2) },
        { plain: sampleRequest({ id: 'after' }), message: at(3) },
      ],
      { bulk: false },
    );

    expect(results).toEqual([
      {
        ok: true,
        outcome: {
          kind: 'rejected',
          tenant: 'acme',
          requestId: 'nowhere',
          errors: [expect.objectContaining({ code: 'REPLY_TO_NOT_FOUND', field: 'replyTo' })],
        },
      },
      {
        ok: true,
        outcome: { kind: 'rejected', tenant: 'acme', requestId: 'broken', errors: [expect.objectContaining({ code: 'INVALID_FIELD', field: 'replyTo' })] },
      },
      { ok: true, outcome: { kind: 'accepted', tenant: 'acme', requestId: 'after', duplicate: false } },
    ]);
    expect([...ledger.rows.keys()]).toEqual(['acme/after']);
    const rejected = publisher.messages.filter((sent) => (sent.value as LifecycleEventV1).type === 'rejected');
    expect(rejected.map((sent) => [sent.key, (sent.value as LifecycleEventV1).error?.code])).toEqual([
      ['nowhere', 'REPLY_TO_NOT_FOUND'],
      ['broken', 'INVALID_FIELD'],
    ]);
    expect(counters.rejectedByCode.get(ErrorCode.REPLY_TO_NOT_FOUND)).toBe(1);
    // Only the requests otherwise taken are looked up: an invalid name is refused by the contract alone.
    expect(topics.lookups).toEqual([['acme.nowhere', 'acme.replies']]);
  });

  it('rejects an invalid request with a tenant by a rejected event naming the field', async () => {
    const { ledger, publisher, counters, one } = setUp();
    const result = await one(sampleRequest({ id: 'bad-1', body: { messages: [] } }));

    expect(result).toMatchObject({ ok: true, outcome: { kind: 'rejected', tenant: 'acme', requestId: 'bad-1' } });
    expect(ledger.rows.size).toBe(0);
    const [rejected] = publisher.messages;
    expect(rejected).toMatchObject({ topic: Topics.Events, key: 'bad-1' });
    expect(rejected.value).toMatchObject({ type: 'rejected', tenant: 'acme', requestId: 'bad-1', error: { code: 'MISSING_FIELD', field: 'body.model' } });
    expect(counters.rejectedByCode.get(ErrorCode.MISSING_FIELD)).toBe(1);
  });

  it('keys the rejection of a request with an unusable id by an id derived from the message', async () => {
    const { publisher, one } = setUp();
    const result = await one(sampleRequest({ id: 'not a valid id!' }));

    expect(result).toMatchObject({ ok: true, outcome: { kind: 'rejected', requestId: requestIdForMessage(message) } });
    expect((publisher.messages[0].value as LifecycleEventV1).error).toMatchObject({ code: 'INVALID_FIELD', field: 'id' });
  });

  it('gives the same refusal the same event id when the message is read again', async () => {
    const { publisher, one } = setUp();
    await one(sampleRequest({ mode: 'whenever' }));
    await one(sampleRequest({ mode: 'whenever' }));
    await one(sampleRequest({ mode: 'sometime' }));
    const ids = publisher.messages.map((sent) => (sent.value as LifecycleEventV1).eventId);

    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('rejects a request nested too deep to validate by a rejected event naming the field, the same one when it is read again', async () => {
    const { ledger, publisher, one } = setUp();
    // As JSON.parse builds it from the message: deeper than canonicalJson and class-transformer can walk.
    const messages = JSON.parse(`${'['.repeat(3_000)}${']'.repeat(3_000)}`) as unknown;
    const deep = sampleRequest({ id: 'deep-1', body: { model: 'gpt-4o-mini', messages } });
    const first = await one(deep);
    const again = await one(deep);

    expect(first).toMatchObject({
      ok: true,
      outcome: { kind: 'rejected', tenant: 'acme', requestId: 'deep-1', errors: [{ code: 'INVALID_FIELD', field: 'body' }] },
    });
    expect(again).toEqual(first);
    expect(ledger.rows.size).toBe(0);
    const [event, repeated] = publisher.messages.map((sent) => sent.value as LifecycleEventV1);
    expect(event).toMatchObject({ type: 'rejected', requestId: 'deep-1', error: { code: 'INVALID_FIELD', field: 'body' } });
    expect(repeated.eventId).toBe(event.eventId);
  });

  it.each([
    ['no tenant', { tenant: undefined }, ErrorCode.MISSING_TENANT],
    ['an invalid tenant', { tenant: 'Not A Tenant' }, ErrorCode.INVALID_TENANT],
  ])('fails a request with %s as non-retryable under that code (dead-lettered), even when other fields are wrong too', async (_case, overrides, code) => {
    const { publisher, counters, one } = setUp();
    const result = await one(sampleRequest({ ...overrides, mode: 'whenever' }));

    expect(result.ok).toBe(false);
    const error = !result.ok && result.error;
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ code });
    expect(publisher.messages).toHaveLength(0);
    expect(counters.rejectedByCode.get(code)).toBe(1);
  });

  it('takes a batch in one ledger insert, each message getting its own result in order', async () => {
    const { ledger, publisher, handler } = setUp();
    const results = await handler.handle(
      [
        { plain: sampleRequest({ id: 'a' }), message: at(1) },
        { plain: sampleRequest({ id: 'bad', body: { messages: [] } }), message: at(2) },
        { plain: sampleRequest({ id: 'no-tenant', tenant: undefined }), message: at(3) },
        { plain: sampleRequest({ id: 'soon', deadline: undefined, maxLatencyMs: 20_000 }), message: at(4) },
        { plain: sampleRequest({ id: undefined }), message: at(5) },
      ],
      { bulk: false },
    );

    expect(
      results.map((result) => (result.ok ? `${result.outcome.kind}:${result.outcome.requestId}` : `failed:${(result.error as NonRetryableError).code}`)),
    ).toEqual(['accepted:a', 'rejected:bad', 'failed:MISSING_TENANT', 'accepted:soon', `accepted:${requestIdForMessage(at(5))}`]);
    expect(ledger.insertCalls).toEqual([3]);
    expect(acceptedTopicOf(publisher, 'a')).toBe(Topics.Accepted);
    expect(acceptedTopicOf(publisher, 'soon')).toBe(Topics.AcceptedUrgent);
    expect(
      publisher.messages
        .filter((sent) => sent.topic === Topics.Events)
        .map((sent) => `${(sent.value as LifecycleEventV1).type}:${sent.key}`)
        .sort(),
    ).toEqual(['accepted:a', 'accepted:soon', `accepted:${requestIdForMessage(at(5))}`, 'rejected:bad'].sort());
  });

  it('keeps what comes from the bulk intake on the bulk path, whatever its deadline: the sender chose', async () => {
    const { publisher, handler } = setUp();
    await handler.handle(
      [
        { plain: sampleRequest({ id: 'soon', deadline: undefined, maxLatencyMs: 20_000 }), message: at(1) },
        { plain: sampleRequest({ id: 'streamed', stream: true, cache: false }), message: at(2) },
      ],
      { bulk: true },
    );
    expect(acceptedTopicOf(publisher, 'soon')).toBe(Topics.Accepted);
    expect(acceptedTopicOf(publisher, 'streamed')).toBe(Topics.Accepted);
  });

  it('fails a request the ledger cannot take alone: its neighbours are accepted', async () => {
    const { ledger, handler } = setUp(new PoisonedLedger());
    const results = await handler.handle(
      [
        { plain: sampleRequest({ id: 'before' }), message: at(1) },
        { plain: sampleRequest({ id: 'poison' }), message: at(2) },
        { plain: sampleRequest({ id: 'after' }), message: at(3) },
      ],
      { bulk: false },
    );

    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    expect(!results[1].ok && results[1].error).toEqual(new Error('unsupported Unicode escape sequence'));
    expect([...ledger.rows.keys()].sort()).toEqual(['acme/after', 'acme/before']);
  });

  it('fails only the rejections when their event cannot be published, and only the acceptances when theirs cannot', async () => {
    const { publisher, handler } = setUp();
    const batch = [
      { plain: sampleRequest({ id: 'good' }), message: at(1) },
      { plain: sampleRequest({ id: 'bad', body: { messages: [] } }), message: at(2) },
    ];
    // The rejection is published first (the acceptance waits for the ledger): the failing call is its.
    publisher.failNext = true;
    const results = await handler.handle(batch, { bulk: false });

    expect(results.map((result) => result.ok)).toEqual([true, false]);
    expect(!results[1].ok && results[1].error).toEqual(new Error('broker unreachable'));
  });
});
