import { createServer } from 'node:net';
import { ephemeralRange, freePort, freePorts } from './free.port';

describe('free ports on this machine', () => {
  it('returns a port outside the ephemeral range that a server can bind, and distinct ports when asked for several', async () => {
    const { low, high } = ephemeralRange();
    const port = await freePort();
    expect(port < low || port > high).toBe(true);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
    const ports = await freePorts(4);
    expect(new Set(ports).size).toBe(4);
  });
});
