import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookDestinationPolicy } from './webhook-destination.policy';
import { type Resolver, webhookPoster } from './webhook.sender';

/** A receiver on loopback that answers with `respond` and counts what reached it. */
async function receiver(respond: (response: ServerResponse) => void): Promise<{ port: number; hits: IncomingMessage[]; server: Server }> {
  const hits: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    hits.push(request);
    request.resume();
    respond(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, hits, server };
}

/** A name that resolves to loopback, as a rebinding attacker's DNS would answer. */
const rebinding: Resolver = (hostname, callback) =>
  hostname === 'hooks.example.test' ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(new Error(`no such host ${hostname}`), []);

const post = { body: '{"type":"request.completed"}', headers: { 'webhook-id': 'evt-1' }, timeoutMs: 5_000 };

describe('webhookPoster (real HTTP on loopback)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('refuses a loopback receiver the operator did not allow, sending nothing', async () => {
    const target = await receiver((response) => response.end('ok'));
    servers.push(target.server);
    const result = await webhookPoster(webhookDestinationPolicy([]))({ ...post, url: `http://127.0.0.1:${target.port}/hook` });
    expect(result).toEqual({
      kind: 'refused',
      error: expect.stringMatching(/^webhook\.url must not point at an internal address \(127\.0\.0\.1\)/) as unknown,
    });
    expect(target.hits).toHaveLength(0);
  });

  it('refuses at connect time a public-looking name that resolves to loopback, sending nothing', async () => {
    const target = await receiver((response) => response.end('ok'));
    servers.push(target.server);
    const result = await webhookPoster(webhookDestinationPolicy([]), rebinding)({ ...post, url: `https://hooks.example.test:${target.port}/hook` });
    expect(result).toEqual({
      kind: 'refused',
      error: expect.stringMatching(/hooks\.example\.test resolves to an internal address \(127\.0\.0\.1\)/) as unknown,
    });
    expect(target.hits).toHaveLength(0);
  });

  it('delivers to an allowed loopback receiver, by address and through a name that resolves to an allowed address', async () => {
    const target = await receiver((response) => response.writeHead(204).end());
    servers.push(target.server);
    const allowed = webhookDestinationPolicy(['127.0.0.1']);
    expect(await webhookPoster(allowed)({ ...post, url: `http://127.0.0.1:${target.port}/hook` })).toMatchObject({ kind: 'response', status: 204 });
    const byName = webhookDestinationPolicy(['127.0.0.1', 'hooks.example.test']);
    expect(await webhookPoster(byName, rebinding)({ ...post, url: `http://hooks.example.test:${target.port}/hook` })).toMatchObject({
      kind: 'response',
      status: 204,
    });
    expect(target.hits.map((hit) => [hit.method, hit.headers['webhook-id'], hit.headers['content-type']])).toEqual([
      ['POST', 'evt-1', 'application/json'],
      ['POST', 'evt-1', 'application/json'],
    ]);
  });

  it('reads at most a few hundred bytes of a refusal, however much the receiver sends, and keeps Retry-After', async () => {
    const target = await receiver((response) => {
      response.writeHead(503, { 'retry-after': '7' });
      response.end('x'.repeat(4 * 1024 * 1024));
    });
    servers.push(target.server);
    const result = await webhookPoster(webhookDestinationPolicy(['127.0.0.1']))({ ...post, url: `http://127.0.0.1:${target.port}/hook` });
    expect(result).toMatchObject({ kind: 'response', status: 503, retryAfterMs: 7_000 });
    expect(result.kind === 'response' && result.detail?.length).toBe(256);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const target = await receiver(() => undefined);
    servers.push(target.server);
    const result = await webhookPoster(webhookDestinationPolicy(['127.0.0.1']))({ ...post, timeoutMs: 200, url: `http://127.0.0.1:${target.port}/hook` });
    expect(result).toEqual({ kind: 'error', error: 'no response within 200 ms' });
    target.server.closeAllConnections();
  });
});
