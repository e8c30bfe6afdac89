import { createServer } from 'node:http';
import { setServerTimeouts } from './server-timeouts.setup';

describe('setServerTimeouts', () => {
  it('sets both limits, and checks connections often enough to cut a client off soon after its limit', () => {
    const server = createServer();
    setServerTimeouts(server, { headersMs: 1_000, requestMs: 5_000 });

    expect(server.headersTimeout).toBe(1_000);
    expect(server.requestTimeout).toBe(5_000);
    expect((server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBe(100);
  });

  it("checks no more often than Node's default for long limits", () => {
    const server = createServer();
    setServerTimeouts(server, { headersMs: 20 * 60_000, requestMs: 60 * 60_000 });

    expect((server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBe(30_000);
  });

  it('refuses a headers timeout longer than the request timeout, which Node would take silently', () => {
    expect(() => setServerTimeouts(createServer(), { headersMs: 20_000, requestMs: 10_000 })).toThrow(
      'INGESTION_HEADERS_TIMEOUT_MS (20000) must not be longer than INGESTION_REQUEST_TIMEOUT_MS (10000)',
    );
  });
});
