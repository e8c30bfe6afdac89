import type { Server } from 'node:http';

export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
}

// Node checks its connections against these limits on an interval (30 s by default), so a client is cut off
// up to that long after its limit; checking at a tenth of the shorter limit keeps the overshoot to 10 %.
const CHECKS_PER_LIMIT = 10;
const NODE_CHECKING_INTERVAL_MS = 30_000;

/**
 * Sets how long a client may take to send its headers, and its whole request, on the HTTP server
 * before it listens. Node answers a late client 408 and closes the connection itself.
 */
export function setServerTimeouts(server: Server, { headersMs, requestMs }: ServerTimeouts): void {
  // Node refuses this pair when given to createServer; as properties it would take them silently.
  if (headersMs > requestMs) {
    throw new Error(`INGESTION_HEADERS_TIMEOUT_MS (${headersMs}) must not be longer than INGESTION_REQUEST_TIMEOUT_MS (${requestMs})`);
  }
  server.headersTimeout = headersMs;
  server.requestTimeout = requestMs;
  // An option of createServer that Node reads from the server when it starts listening; @types/node lists it as the option only.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    NODE_CHECKING_INTERVAL_MS,
    Math.ceil(headersMs / CHECKS_PER_LIMIT),
  );
}
