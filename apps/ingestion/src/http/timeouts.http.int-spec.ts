import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { waitFor } from '@sluice/testing';
import { connect, Socket } from 'node:net';
import type { PoolClient } from 'pg';
import { EventStreamClient, openEventStream } from '../../test/event-stream.client';
import { apiClient, createTestDatabase, RunningIngestion, startIngestion, tenantWithKey } from '../../test/ingestion.harness';
import { RequestEventsRelay } from '../events/request-events.relay';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
// Shorter than the request timeout, so the body's own deadline is what answers a trickled JSON body.
const BODY_TIMEOUT_MS = 1_000;
const READ_DEADLINE_MS = 500;
const SUBMIT_DEADLINE_MS = 5_000;
const KEEPALIVE_MS = 1_000;
// How long the client itself waits for any answer: an unbounded one would hang the spec instead of failing it.
const CLIENT_PATIENCE_MS = 20_000;
// The trickling client's pace: one byte at a time, never idle for long.
const TRICKLE_EVERY_MS = 100;

function request(id: string): Record<string, unknown> {
  const { tenant: _tenant, deadline: _deadline, notBefore: _notBefore, replyTo: _replyTo, webhook: _webhook, ...rest } = sampleRequest({ id });
  return { ...rest, maxLatencyMs: 60_000 };
}

/** A raw connection that records what the server sends and when it closes the connection. */
function rawClient(port: number): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let received = '';
    let closed = false;
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, received: () => received, closed: () => closed }));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => (closed = true));
    socket.once('error', reject);
  });
}

/** Writes `text` a byte at a time until it is all written or the connection closes; answers how many bytes went out. */
function trickle(socket: Socket, text: string): { sent: () => number; stop: () => void } {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent >= text.length || socket.destroyed) return clearInterval(timer);
    socket.write(text[sent++]!);
  }, TRICKLE_EVERY_MS);
  socket.once('close', () => clearInterval(timer));
  return { sent: () => sent, stop: () => clearInterval(timer) };
}

describe('ingestion HTTP timeouts (real broker and database)', () => {
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  const streams: EventStreamClient[] = [];
  const sockets: Socket[] = [];

  const port = () => Number(new URL(ingestion.baseUrl).port);

  beforeAll(async () => {
    database = await createTestDatabase();
    ingestion = await startIngestion({
      database,
      env: {
        INGESTION_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        INGESTION_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        INGESTION_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
        INGESTION_READ_DEADLINE_MS: String(READ_DEADLINE_MS),
        INGESTION_SUBMIT_DEADLINE_MS: String(SUBMIT_DEADLINE_MS),
        INGESTION_SSE_KEEPALIVE_MS: String(KEEPALIVE_MS),
        INGESTION_RATE_LIMIT_REQUESTS: '1000',
      },
    });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(streams.map((client) => client.close()));
    await ingestion?.close();
    await database?.drop();
  });

  describe('while the requests table is locked, so that no read or write of it can finish', () => {
    let lock: PoolClient;

    beforeEach(async () => {
      lock = await database.pool.connect();
      await lock.query('begin');
      await lock.query('lock table requests in access exclusive mode');
    });

    afterEach(async () => {
      await lock.query('rollback');
      lock.release();
    });

    it('answers a read that overruns INGESTION_READ_DEADLINE_MS 503 TIMEOUT', async () => {
      const { key } = await tenantWithKey(ingestion.ledger);
      const started = Date.now();
      const reply = await fetch(`${ingestion.baseUrl}/v1/requests/slow-1`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
      });

      expect(reply.status).toBe(503);
      expect(await reply.json()).toEqual({ error: { code: 'TIMEOUT', message: `the answer took longer than ${READ_DEADLINE_MS} ms; retry` } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(READ_DEADLINE_MS);
    });

    it('answers a submission that overruns INGESTION_SUBMIT_DEADLINE_MS 503 TIMEOUT, telling the client to retry it', async () => {
      const { key } = await tenantWithKey(ingestion.ledger);
      const reply = await fetch(`${ingestion.baseUrl}/v1/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(request('slow-submit-1')),
        signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
      });

      expect(reply.status).toBe(503);
      expect(await reply.json()).toEqual({
        error: { code: 'TIMEOUT', message: expect.stringContaining(`not answered within ${SUBMIT_DEADLINE_MS} ms; retry it`) as unknown },
      });
    });
  });

  it('answers 408 and closes the connection of a client trickling its headers in', async () => {
    const client = await rawClient(port());
    sockets.push(client.socket);
    const headers = `GET /v1/requests/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(200)}\r\n\r\n`;
    const writer = trickle(client.socket, headers);

    await waitFor(client.closed, { timeoutMs: CLIENT_PATIENCE_MS, description: 'the server to close the connection' });
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(writer.sent()).toBeLessThan(headers.length);
  });

  it('answers 408 TIMEOUT and closes the connection of a client that sent its headers and trickles a JSON body', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger);
    const body = JSON.stringify(request('trickled-1'));
    const client = await rawClient(port());
    sockets.push(client.socket);
    client.socket.write(
      `POST /v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const writer = trickle(client.socket, body);

    await waitFor(client.closed, { timeoutMs: CLIENT_PATIENCE_MS, description: 'the server to close the connection' });
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    // Sluice's error body: the body's deadline answered, not Node's request timeout (which sends none).
    expect(client.received()).toContain('"code":"TIMEOUT"');
    expect(writer.sent()).toBeLessThan(body.length);
    expect(await ingestion.ledger.requests.get(tenant, 'trickled-1')).toBeUndefined();
  });

  it('keeps an event stream open past the read deadline and the request timeout', async () => {
    await waitFor(() => ingestion.app.get(RequestEventsRelay).ready, { timeoutMs: 30_000, description: 'the events relay to join its group' });
    const { key } = await tenantWithKey(ingestion.ledger, 'sse');
    expect((await apiClient(ingestion.baseUrl, key).post('/v1/requests', request('open-1'))).status).toBe(202);

    const opened = Date.now();
    const client = await openEventStream(`${ingestion.baseUrl}/v1/requests/open-1/events`, key);
    streams.push(client);
    expect(client.status).toBe(200);
    const keepAlives = () => client.text().split(': keep-alive').length - 1;
    // Keep-alives come every KEEPALIVE_MS, the first one at most that long after the stream opened: the
    // fourth is at least three of them after it, past both limits.
    await waitFor(() => keepAlives() >= 4 || client.ended(), { timeoutMs: CLIENT_PATIENCE_MS, description: 'four keep-alive comments' });
    expect(Date.now() - opened).toBeGreaterThan(Math.max(READ_DEADLINE_MS, REQUEST_TIMEOUT_MS));
    expect(client.ended()).toBe(false);
    expect(client.events().map((event) => event.event)).toEqual(['status']);
  });
});
