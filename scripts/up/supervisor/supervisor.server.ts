import { chmodSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { instanceId } from '../services/service.catalog';
import { instanceOf } from '../services/service.state';
import { AlreadyRunningError, LaunchSpec, ProcessSupervisor } from './process.supervisor';

const PROCESS_PATH = /^\/processes\/([a-z0-9-]+)$/;

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? null));
}

/**
 * The supervisor's requests, each one call of the supervisor: `GET /processes` (what it watches),
 * `PUT /processes/<id>` (start and watch this LaunchSpec), `DELETE /processes/<id>` (let it go).
 */
async function route(supervisor: ProcessSupervisor, request: IncomingMessage): Promise<{ status: number; body: unknown }> {
  if (request.method === 'GET' && request.url === '/processes') return { status: 200, body: supervisor.list() };
  const id = PROCESS_PATH.exec(request.url ?? '')?.[1];
  if (id !== undefined && request.method === 'DELETE') return { status: 200, body: supervisor.forget(id) };
  if (id !== undefined && request.method === 'PUT') {
    const spec = (await bodyOf(request)) as LaunchSpec;
    if (instanceId(instanceOf(spec.record)) !== id) return { status: 400, body: { error: `the record is not that of ${id}` } };
    try {
      return { status: 200, body: supervisor.start(spec) };
    } catch (error) {
      if (error instanceof AlreadyRunningError) return { status: 409, body: { error: error.message } };
      throw error;
    }
  }
  return { status: 404, body: { error: `no ${request.method} ${request.url}` } };
}

/** Serves the supervisor on a unix socket that only its user may open: no port is taken. */
export function serveSupervisor(supervisor: ProcessSupervisor, socketPath: string): Promise<Server> {
  const server = createServer((request, response) => {
    route(supervisor, request).then(
      ({ status, body }) => reply(response, status, body),
      (error: unknown) => reply(response, 500, { error: (error as Error).message }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      // The requests carry the services' environment, API keys included.
      chmodSync(socketPath, 0o600);
      resolve(server);
    });
  });
}
