import { InferenceResultV1, Topics, validateMessage } from '@sluice/contracts';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { produceFixtures, testKafka } from '@sluice/kafka/testing';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { waitFor } from '@sluice/testing';
import { EventStreamClient, openEventStream } from '../../test/event-stream.client';
import { apiClient, createTestDatabase, RunningIngestion, startIngestion, tenantWithKey } from '../../test/ingestion.harness';
import { completedEvent, inferenceResult, lifecycleEvent, streamChunk } from '../../test/stream.fixtures';
import { RequestEventsRelay } from './request-events.relay';

function request(id: string): Record<string, unknown> {
  const { tenant: _tenant, deadline: _deadline, notBefore: _notBefore, replyTo: _replyTo, webhook: _webhook, ...rest } = sampleRequest({ id, stream: true });
  return rest;
}

describe('request event streams (real broker and database)', () => {
  const kafka = testKafka();
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  let relay: RequestEventsRelay;
  const streams: EventStreamClient[] = [];

  async function stream(id: string, key: string): Promise<EventStreamClient> {
    const client = await openEventStream(`${ingestion.baseUrl}/v1/requests/${id}/events`, key);
    streams.push(client);
    return client;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    ingestion = await startIngestion({
      database,
      env: { INGESTION_SSE_RESULT_WAIT_MS: '10000', INGESTION_SSE_RELAY_LINGER_MS: '500', INGESTION_SSE_MAX_STREAMS_PER_KEY: '2' },
    });
    relay = ingestion.app.get(RequestEventsRelay);
    await waitFor(() => relay.ready, { timeoutMs: 30_000, description: 'the events relay to join its group' });
  });

  afterAll(async () => {
    await Promise.all(streams.map((client) => client.close()));
    await ingestion?.close();
    await database?.drop();
  });

  it('streams the status, lifecycle events, chunks in order and the result of a request, then ends', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'sse');
    expect((await apiClient(ingestion.baseUrl, key).post('/v1/requests', request('sse-1'))).status).toBe(202);

    const client = await stream('sse-1', key);
    expect(client.status).toBe(200);
    await waitFor(() => client.events().length > 0, { timeoutMs: 10_000, description: 'the status event' });
    expect(client.events()[0]).toMatchObject({ event: 'status', data: { id: 'sse-1', status: 'accepted' } });

    await produceFixtures(kafka, Topics.Events, [
      // Same request id, other tenant: never shown to this one.
      { key: 'sse-1', value: lifecycleEvent('someone-else', 'sse-1', 'routed', { lane: 'batch', reason: 'not yours' }) },
      { key: 'sse-1', value: lifecycleEvent(tenant, 'sse-1', 'routed', { lane: 'realtime', reason: 'deadline-slack<async-estimate' }) },
    ]);
    // Topics are read in any order against each other; in the system the route is long out before the first chunk.
    await waitFor(() => client.events().some((event) => event.event === 'routed'), { timeoutMs: 10_000, description: 'the routed event' });
    await produceFixtures(
      kafka,
      Topics.Stream,
      [0, 1, 2].map((seq) => ({ key: 'sse-1', value: streamChunk(tenant, 'sse-1', seq, `part-${seq} `, seq === 2) })),
    );
    await produceFixtures(kafka, Topics.Results, [{ key: 'sse-1', value: { ...inferenceResult(tenant, 'sse-1'), chunks: 3 } }]);
    await produceFixtures(kafka, Topics.Events, [{ key: 'sse-1', value: completedEvent(tenant, 'sse-1') }]);

    await waitFor(() => client.ended(), { timeoutMs: 30_000, description: 'the stream to end' });
    const events = client.events();
    expect(events.map((event) => event.event)).toEqual(['status', 'routed', 'chunk', 'chunk', 'chunk', 'completed', 'result', 'end']);
    expect(events[1]).toMatchObject({ id: `${tenant}.sse-1.routed`, data: { tenant, lane: 'realtime' } });
    expect(
      events
        .filter((event) => event.event === 'chunk')
        .map((event) => (event.data as { delta: string }).delta)
        .join(''),
    ).toBe('part-0 part-1 part-2 ');
    const result = events.find((event) => event.event === 'result')!.data;
    expect(validateMessage(InferenceResultV1, result).ok).toBe(true);
    expect(result).toMatchObject({ id: 'sse-1', tenant, status: 'succeeded', response: { object: 'chat.completion' } });
  });

  it('gives a client that connects after completion the stored result, framed as live, and ends at once', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'late');
    const other = await tenantWithKey(ingestion.ledger, 'oth');
    await apiClient(ingestion.baseUrl, key).post('/v1/requests', request('late-1'));
    const published = inferenceResult(tenant, 'late-1');
    const result = validateMessage(InferenceResultV1, published);
    if (!result.ok) throw new Error(`the fixture result is invalid: ${JSON.stringify(result.errors)}`);
    expect(await ingestion.ledger.completions.book(result.value)).toMatchObject({ outcome: 'booked' });

    const client = await stream('late-1', key);
    await waitFor(() => client.ended(), { timeoutMs: 10_000, description: 'the stream of a completed request to end' });
    const events = client.events();
    expect(events.map((event) => event.event)).toEqual(['status', 'result', 'end']);
    expect(events[0].data).toMatchObject({ status: 'succeeded', result: { resultId: `${tenant}.late-1.realtime.1` } });
    expect(events[1]).toEqual({ event: 'result', id: `${tenant}.late-1.realtime.1`, data: published });
    expect(validateMessage(InferenceResultV1, events[1].data).ok).toBe(true);

    expect((await stream('late-1', other.key)).status).toBe(404);
  });

  it('holds at most INGESTION_SSE_MAX_STREAMS_PER_KEY streams open per key: the next gets 429 until one closes', async () => {
    const { key } = await tenantWithKey(ingestion.ledger, 'cap');
    const other = await tenantWithKey(ingestion.ledger, 'cao');
    await apiClient(ingestion.baseUrl, key).post('/v1/requests', request('cap-1'));
    await apiClient(ingestion.baseUrl, other.key).post('/v1/requests', request('cap-2'));

    const [first, second] = [await stream('cap-1', key), await stream('cap-1', key)];
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await stream('cap-1', key);
    expect(third.status).toBe(429);
    await waitFor(() => third.ended(), { timeoutMs: 5_000, description: 'the refusal to be read' });
    expect(JSON.parse(third.text())).toEqual({ error: { code: 'RATE_LIMITED', message: 'this API key has 2 event streams open, its limit; close one first' } });
    expect((await stream('cap-2', other.key)).status).toBe(200);

    await first.close();
    await waitFor(async () => (await stream('cap-1', key)).status === 200, { timeoutMs: 10_000, description: 'a place freed by the closed stream' });
    // Later cases need the relay idle: no stream of this case may stay open.
    await Promise.all(streams.splice(0).map((client) => client.close()));
  });

  it("refuses another tenant's request as not found", async () => {
    const owner = await tenantWithKey(ingestion.ledger, 'own');
    const other = await tenantWithKey(ingestion.ledger, 'oth');
    await apiClient(ingestion.baseUrl, owner.key).post('/v1/requests', request('private-1'));

    const client = await stream('private-1', other.key);
    expect(client.status).toBe(404);
  });

  it('reads its topics only while a stream is open, and relays what is published once the stream has opened', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'idle');
    await apiClient(ingestion.baseUrl, key).post('/v1/requests', request('idle-1'));
    await waitFor(() => !relay.reading, { timeoutMs: 15_000, description: 'the relay to pause with no stream open' });

    const client = await stream('idle-1', key);
    expect(client.status).toBe(200);
    expect(relay.reading).toBe(true);
    await produceFixtures(kafka, Topics.Events, [{ key: 'idle-1', value: lifecycleEvent(tenant, 'idle-1', 'routed', { lane: 'batch', reason: 'slack' }) }]);
    await waitFor(() => client.events().some((event) => event.event === 'routed'), { timeoutMs: 10_000, description: 'the routed event on the stream' });

    await client.close();
    await waitFor(() => !relay.reading, { timeoutMs: 15_000, description: 'the relay to pause once its last stream closed' });
  });
});
