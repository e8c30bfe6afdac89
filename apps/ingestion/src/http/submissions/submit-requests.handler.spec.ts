import { ErrorCode, LifecycleEventV1, Topics } from '@sluice/contracts';
import { DEFAULT_POLICY } from '@sluice/routing';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { CountingCounters, KnownTopics, MemoryLedger, RecordingPublisher } from '../../../test/intake.fakes';
import { AcceptRequestsHandler } from '../../accept/accept-requests.handler';
import type { ReceivedBody } from '../body/request-body.parser';
import { SubmitRequestsHandler } from './submit-requests.handler';
import { OPEN_ADMISSION } from '../../tenants/tenant.admission';

function json(value: unknown, bytes = 500): ReceivedBody {
  return { ok: true, json: value, bytes };
}

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { tenant: _tenant, ...rest } = sampleRequest(overrides);
  return rest;
}

function setUp(topics = new KnownTopics(['acme.replies'])) {
  const ledger = new MemoryLedger();
  const publisher = new RecordingPublisher();
  const counters = new CountingCounters();
  const intake = new AcceptRequestsHandler({
    ledger,
    publisher,
    counters,
    clock: () => new Date('2030-01-01T00:00:00Z'),
    newId: () => 'req_gen',
    policy: DEFAULT_POLICY,
  });
  let ids = 0;
  const handler = new SubmitRequestsHandler(
    intake,
    counters,
    { singleBodyBytes: 1_000, bulkMaxRequests: 10 },
    () => `req_new_${(ids += 1)}`,
    OPEN_ADMISSION,
    topics,
  );
  return { ledger, publisher, counters, handler };
}

describe('SubmitRequestsHandler', () => {
  it('answers a new request 202 with its receipt, and a repeat 200 with the same one', async () => {
    const { handler } = setUp();
    const first = await handler.submit(json(request()), 'acme', {});
    const again = await handler.submit(json(request()), 'acme', {});

    const receipt = { id: 'req-1', status: 'accepted', links: { self: '/v1/requests/req-1', events: '/v1/requests/req-1/events' } };
    expect(first).toEqual({ status: 202, body: { ...receipt, duplicate: false } });
    expect(again).toEqual({ status: 200, body: { ...receipt, duplicate: true } });
  });

  it('answers the same id with other content 409 DUPLICATE_ID_CONFLICT on the id', async () => {
    const { handler } = setUp();
    await handler.submit(json(request()), 'acme', {});
    const conflict = await handler.submit(json(request({ body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Something else' }] } })), 'acme', {});

    expect(conflict).toMatchObject({ status: 409, body: { error: { code: ErrorCode.DUPLICATE_ID_CONFLICT, field: 'id' } } });
  });

  it('refuses an invalid request 400 with one error per field, and publishes its rejected event', async () => {
    const { ledger, publisher, handler } = setUp();
    const reply = await handler.submit(json(request({ mode: 'whenever', body: {} })), 'acme', { correlationId: 'c-1' });

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { code: ErrorCode.VALIDATION_FAILED } });
    const fields = 'errors' in reply.body ? reply.body.errors?.map((error) => error.field).sort() : [];
    expect(fields).toEqual(['body.messages', 'body.model', 'mode']);
    expect(ledger.rows.size).toBe(0);
    expect(publisher.messages).toHaveLength(1);
    expect(publisher.messages[0]).toMatchObject({ topic: Topics.Events, key: 'req-1', trace: { correlationId: 'c-1' } });
    expect((publisher.messages[0].value as LifecycleEventV1).type).toBe('rejected');
  });

  it('accepts a bulk body in one go, answering per request', async () => {
    const { publisher, handler } = setUp();
    await handler.submit(json(request({ id: 'taken' })), 'acme', {});
    const reply = await handler.submit(
      json({
        requests: [
          request({ id: 'a' }),
          request({ id: 'taken', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Something else' }] } }),
          request({ id: undefined }),
        ],
      }),
      'acme',
      {},
    );

    expect(reply).toMatchObject({
      status: 202,
      body: {
        requests: [
          { id: 'a', status: 'accepted', duplicate: false },
          { id: 'taken', error: { code: ErrorCode.DUPLICATE_ID_CONFLICT, field: 'id' } },
          { id: 'req_gen', status: 'accepted' },
        ],
      },
    });
    expect(publisher.calls).toHaveLength(2);
  });

  it('refuses a whole bulk body when one request is invalid, naming its fields by position', async () => {
    const { ledger, publisher, handler } = setUp();
    const reply = await handler.submit(json({ requests: [request({ id: 'a' }), request({ id: 'b', mode: 'whenever' })] }), 'acme', {});

    expect(reply).toMatchObject({
      status: 400,
      body: { error: { code: ErrorCode.VALIDATION_FAILED, message: '1 of 2 requests are invalid; none was accepted' }, errors: [{ field: 'requests.1.mode' }] },
    });
    expect(ledger.rows.size).toBe(0);
    expect(publisher.messages.map((message) => [message.key, (message.value as LifecycleEventV1).error?.field])).toEqual([['b', 'mode']]);
  });

  it('refuses 400 a request whose replyTo topic does not exist, naming replyTo, and a bulk body holding one, looking each body up once', async () => {
    const topics = new KnownTopics(['acme.replies']);
    const { ledger, publisher, counters, handler } = setUp(topics);
    const single = await handler.submit(json(request({ id: 'alone', replyTo: 'acme.nowhere' })), 'acme', {});
    const bulk = await handler.submit(json({ requests: [request({ id: 'a' }), request({ id: 'b', replyTo: 'acme.nowhere' })] }), 'acme', {});

    expect(single).toMatchObject({
      status: 400,
      body: { error: { code: ErrorCode.VALIDATION_FAILED }, errors: [{ code: ErrorCode.REPLY_TO_NOT_FOUND, field: 'replyTo' }] },
    });
    expect(bulk).toMatchObject({ status: 400, body: { errors: [{ code: ErrorCode.REPLY_TO_NOT_FOUND, field: 'requests.1.replyTo' }] } });
    expect(ledger.rows.size).toBe(0);
    expect(publisher.messages.map((message) => [message.key, (message.value as LifecycleEventV1).error?.code])).toEqual([
      ['alone', ErrorCode.REPLY_TO_NOT_FOUND],
      ['b', ErrorCode.REPLY_TO_NOT_FOUND],
    ]);
    expect(counters.rejectedByCode.get(ErrorCode.REPLY_TO_NOT_FOUND)).toBe(2);
    expect(topics.lookups).toEqual([['acme.nowhere'], ['acme.replies', 'acme.nowhere']]);
  });

  it('passes on what the body parser refused, and counts it', async () => {
    const { counters, handler } = setUp();
    const reply = await handler.submit({ ok: false, status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'too big' }, 'acme', {});

    expect(reply).toEqual({ status: 413, body: { error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'too big' } } });
    expect(counters.rejectedByCode.get(ErrorCode.PAYLOAD_TOO_LARGE)).toBe(1);
  });

  it('refuses 403 a body naming another tenant, accepting nothing', async () => {
    const { ledger, handler } = setUp();
    const reply = await handler.submit(json({ ...request(), tenant: 'globex' }), 'acme', {});
    expect(reply).toMatchObject({ status: 403, body: { error: { code: ErrorCode.FORBIDDEN } } });
    expect(ledger.rows.size).toBe(0);
  });
});
