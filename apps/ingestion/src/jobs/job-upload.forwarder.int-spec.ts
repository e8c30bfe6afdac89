import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardJobUploads } from './job-upload.forwarder';

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** An HTTP call to the forwarding server: status, headers and body of its answer. */
async function call(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  const outgoing = httpRequest({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/x-ndjson', authorization: 'Bearer k' } });
  outgoing.end(body);
  const [answer] = (await once(outgoing, 'response')) as [IncomingMessage];
  let text = '';
  for await (const chunk of answer) text += String(chunk);
  return { status: answer.statusCode ?? 0, body: text, headers: answer.headers };
}

describe('forwardJobUploads (HTTP on localhost)', () => {
  const servers: Server[] = [];
  let upstreamSeen: Seen[];
  let passedOn: string[];

  /** A server that mounts the forwarder at /v1/jobs like Express does (url relative to it), and answers what it passes on itself. */
  async function front(upstream: string): Promise<number> {
    const forward = forwardJobUploads(new URL(upstream));
    const server = createServer((request, response) => {
      const originalUrl = request.url ?? '/';
      const mounted = Object.assign(request, { originalUrl, url: originalUrl.slice('/v1/jobs'.length) || '/' });
      forward(mounted, response, () => {
        passedOn.push(`${request.method} ${originalUrl}`);
        response.writeHead(200).end('here');
      });
    });
    servers.push(server);
    return listen(server);
  }

  beforeEach(() => {
    upstreamSeen = [];
    passedOn = [];
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function upstream(): Promise<string> {
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        upstreamSeen.push({ method: request.method, url: request.url, headers: request.headers, body });
        response
          .writeHead(202, { 'content-type': 'application/json', 'x-upstream': 'bulk' })
          .end(JSON.stringify({ id: 'job1', lines: body.split('\n').length }));
      });
    });
    servers.push(server);
    return `http://127.0.0.1:${await listen(server)}`;
  }

  it('streams an upload to the bulk process, query and headers included, and its answer back', async () => {
    const port = await front(await upstream());
    const lines = Array.from({ length: 2_000 }, (_, index) => JSON.stringify({ line: index })).join('\n');
    const answer = await call(port, 'POST', '/v1/jobs?id=job1&deadline=6h', lines);

    expect(answer.status).toBe(202);
    expect(answer.headers['x-upstream']).toBe('bulk');
    expect(JSON.parse(answer.body)).toEqual({ id: 'job1', lines: 2_000 });
    expect(upstreamSeen).toHaveLength(1);
    expect(upstreamSeen[0]).toMatchObject({ method: 'POST', url: '/v1/jobs?id=job1&deadline=6h', body: lines });
    expect(upstreamSeen[0]?.headers).toMatchObject({ authorization: 'Bearer k', 'content-type': 'application/x-ndjson' });
    expect(passedOn).toEqual([]);
  });

  it("answers everything else itself: a job's status, results and errors", async () => {
    const port = await front(await upstream());
    expect((await call(port, 'GET', '/v1/jobs/job1')).body).toBe('here');
    expect((await call(port, 'POST', '/v1/jobs/job1/results')).body).toBe('here');
    expect(passedOn).toEqual(['GET /v1/jobs/job1', 'POST /v1/jobs/job1/results']);
    expect(upstreamSeen).toEqual([]);
  });

  it('answers 503 with a coded error when the bulk process does not answer', async () => {
    const gone = createServer();
    const port = await listen(gone);
    await new Promise((resolve) => gone.close(resolve));
    const answer = await call(await front(`http://127.0.0.1:${port}`), 'POST', '/v1/jobs', '{"line":1}');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'INTERNAL', message: expect.stringContaining('post the job again under its id') } });
  });
});
