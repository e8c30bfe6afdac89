import { ErrorCode, LifecycleEventV1, Topics } from '@sluice/contracts';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { NonRetryableError } from '@sluice/kafka';
import { CountingCounters, MemoryLedger, RecordingPublisher } from '../../test/intake.fakes';
import { AcceptRequestsHandler } from '../accept/accept-requests.handler';
import { requestIdForMessage } from '../accept/request-id.generator';
import { ConsumedRequest, RequestsHandler } from './requests.handler';

const message: ConsumedRequest = {
  topic: Topics.Requests,
  partition: 2,
  offset: '17',
  timestamp: '1893491000000',
  headers: { 'x-correlation-id': 'corr-7', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
};

function setUp() {
  const ledger = new MemoryLedger();
  const publisher = new RecordingPublisher();
  const counters = new CountingCounters();
  const intake = new AcceptRequestsHandler({ ledger, publisher, counters, clock: () => new Date('2030-01-01T00:00:00Z'), newId: () => 'unused' });
  return { ledger, publisher, counters, handler: new RequestsHandler(intake, counters) };
}

describe('RequestsHandler', () => {
  it('accepts a valid request from Kafka, carrying the correlation headers on', async () => {
    const { publisher, counters, handler } = setUp();
    const outcome = await handler.handle(sampleRequest(), message);

    expect(outcome).toEqual({ kind: 'accepted', tenant: 'acme', requestId: 'req-1', duplicate: false });
    expect(publisher.messages[0]).toMatchObject({
      topic: Topics.Accepted,
      value: { source: 'kafka' },
      trace: { correlationId: 'corr-7', traceparent: message.headers.traceparent },
    });
    expect(counters.acceptedBySource.get('kafka')).toBe(1);
  });

  it('names a request without an id after its message position, so a redelivery is a duplicate', async () => {
    const { handler } = setUp();
    const first = await handler.handle(sampleRequest({ id: undefined }), message);
    const again = await handler.handle(sampleRequest({ id: undefined }), message);

    expect(first).toMatchObject({ kind: 'accepted', requestId: requestIdForMessage(message), duplicate: false });
    expect(again).toMatchObject({ kind: 'accepted', requestId: requestIdForMessage(message), duplicate: true });
  });

  it('rejects an invalid request with a tenant by a rejected event naming the field', async () => {
    const { ledger, publisher, counters, handler } = setUp();
    const outcome = await handler.handle(sampleRequest({ id: 'bad-1', body: { messages: [] } }), message);

    expect(outcome).toMatchObject({ kind: 'rejected', tenant: 'acme', requestId: 'bad-1' });
    expect(ledger.rows.size).toBe(0);
    const [rejected] = publisher.messages;
    expect(rejected).toMatchObject({ topic: Topics.Events, key: 'bad-1' });
    expect(rejected.value).toMatchObject({ type: 'rejected', tenant: 'acme', requestId: 'bad-1', error: { code: 'MISSING_FIELD', field: 'body.model' } });
    expect(counters.rejectedByCode.get(ErrorCode.MISSING_FIELD)).toBe(1);
  });

  it('keys the rejection of a request with an unusable id by an id derived from the message', async () => {
    const { publisher, handler } = setUp();
    const outcome = await handler.handle(sampleRequest({ id: 'not a valid id!' }), message);

    expect(outcome).toMatchObject({ kind: 'rejected', requestId: requestIdForMessage(message) });
    expect((publisher.messages[0].value as LifecycleEventV1).error).toMatchObject({ code: 'INVALID_FIELD', field: 'id' });
  });

  it('gives the same refusal the same event id when the message is read again', async () => {
    const { publisher, handler } = setUp();
    await handler.handle(sampleRequest({ mode: 'whenever' }), message);
    await handler.handle(sampleRequest({ mode: 'whenever' }), message);
    await handler.handle(sampleRequest({ mode: 'sometime' }), message);
    const ids = publisher.messages.map((sent) => (sent.value as LifecycleEventV1).eventId);

    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it.each([
    ['no tenant', { tenant: undefined }, ErrorCode.MISSING_TENANT],
    ['an invalid tenant', { tenant: 'Not A Tenant' }, ErrorCode.INVALID_TENANT],
  ])('dead-letters a request with %s under that code, even when other fields are wrong too', async (_case, overrides, code) => {
    const { publisher, counters, handler } = setUp();
    const handling = handler.handle(sampleRequest({ ...overrides, mode: 'whenever' }), message);

    await expect(handling).rejects.toBeInstanceOf(NonRetryableError);
    await expect(handling).rejects.toMatchObject({ code });
    expect(publisher.messages).toHaveLength(0);
    expect(counters.rejectedByCode.get(code)).toBe(1);
  });
});
