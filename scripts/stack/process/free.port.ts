import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports for processes a test or a script starts later (a broker, a service): chosen below the
 * kernel's ephemeral range. A port the kernel hands out for `listen(0)` comes from that range, which
 * is also where every outgoing connection takes its local port: on a busy machine one of those
 * connections can take the port in the seconds before the process that was meant to bind it starts
 * ("Address already in use"). Below the range only another listener can take it.
 */
const LOWEST = 10_000;
const ATTEMPTS = 200;

/** The kernel's ephemeral port range (Linux: /proc; elsewhere IANA's dynamic range). */
export function ephemeralRange(read: (path: string) => string = (path) => readFileSync(path, 'utf8')): { low: number; high: number } {
  try {
    const [low, high] = read('/proc/sys/net/ipv4/ip_local_port_range').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return { low, high };
  } catch {
    // Not Linux: the default below.
  }
  return { low: 49_152, high: 65_535 };
}

/** Ports to try, in order: random ones between LOWEST and the ephemeral range, or above it when the range starts too low. */
export function portCandidates(range: { low: number; high: number }, count: number, random: () => number = Math.random): number[] {
  const spans = [
    [LOWEST, range.low - 1],
    [range.high + 1, 65_535],
  ].filter(([from, to]) => to - from >= 1_000);
  if (spans.length === 0) throw new Error(`no room for ports outside the ephemeral range ${range.low}-${range.high}`);
  const [from, to] = spans[0]!;
  return Array.from({ length: count }, () => from + Math.floor(random() * (to - from + 1)));
}

/** Whether the port can be bound; on `::`, a machine without IPv6 counts as free (only a listener makes a port taken). */
function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(host === '::' && error.code !== 'EADDRINUSE' && error.code !== 'EACCES'));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function free(port: number): Promise<boolean> {
  return (await bindable(port, '127.0.0.1')) && bindable(port, '::');
}

/** A port nothing listens on, outside the ephemeral range (see above), free on 127.0.0.1 and on every address. */
export async function freePort(): Promise<number> {
  for (const port of portCandidates(ephemeralRange(), ATTEMPTS)) {
    if (await free(port)) return port;
  }
  throw new Error(`no free port found in ${ATTEMPTS} tries`);
}

/** `count` distinct free ports (see freePort). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** A free port whose successor is free too (a broker and its controller side by side). */
export async function freePortPair(): Promise<number> {
  for (let tries = 0; tries < ATTEMPTS; tries += 1) {
    const port = await freePort();
    if (port < 65_535 && (await free(port + 1))) return port;
  }
  throw new Error(`no pair of free ports found in ${ATTEMPTS} tries`);
}
