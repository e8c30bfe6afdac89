import { createServer } from 'node:net';

/** True when the service's readiness endpoint answers 200 (every Sluice app and the emulator serve /health/ready). */
export async function isReady(port: number, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

interface HealthBody {
  status?: unknown;
  dependencies?: Record<string, { status?: unknown }>;
  waiting?: Array<{ dependency?: unknown; waiting?: unknown }>;
}

/**
 * A service's `GET /health` in a few words for a status table: `ok`, `degraded: database down, 3
 * waiting for the ledger database`, `shutting down`; `-` for a body that is not a Sluice summary
 * (the emulator has none). The reasons stay in the endpoint's answer.
 */
export function healthText(body: unknown): string {
  const summary = (typeof body === 'object' && body !== null ? body : {}) as HealthBody;
  if (summary.status === 'ok') return 'ok';
  if (summary.status === 'shutting_down') return 'shutting down';
  if (summary.status !== 'degraded') return '-';
  const down = Object.entries(summary.dependencies ?? {})
    .filter(([, view]) => view?.status === 'down')
    .map(([name]) => `${name} down`);
  const waiting = (summary.waiting ?? []).map((wait) => `${typeof wait.waiting === 'number' ? wait.waiting : '?'} waiting for ${String(wait.dependency)}`);
  const parts = [...down, ...waiting];
  return parts.length === 0 ? 'degraded' : `degraded: ${parts.join(', ')}`;
}

/** healthText of the service on `port`, or `no answer`. */
export async function readHealth(port: number, timeoutMs = 2_000): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return healthText(response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text());
  } catch {
    return 'no answer';
  }
}

/** Whether nothing listens on the port (bound without a host, so a listener on any address counts). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
