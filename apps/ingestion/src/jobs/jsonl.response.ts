import type { ServerResponse } from 'node:http';

export const JSONL_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

/**
 * Streams JSONL text to a response as it is produced, waiting for the socket to drain when the
 * client reads slower than the ledger is read, and stopping as soon as the client has gone.
 */
export async function streamJsonl(response: ServerResponse, pages: AsyncIterable<string>): Promise<void> {
  response.statusCode = 200;
  response.setHeader('content-type', JSONL_CONTENT_TYPE);
  const gone = new Promise<void>((resolve) => response.once('close', resolve));
  for await (const page of pages) {
    if (response.destroyed) return;
    if (!response.write(page)) await Promise.race([new Promise((resolve) => response.once('drain', resolve)), gone]);
  }
  response.end();
}
