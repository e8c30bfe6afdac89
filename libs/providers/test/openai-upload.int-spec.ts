import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProviderAdapters, OPENAI_BATCH_LIMITS, ProviderError } from '@sluice/providers';
import { waitFor } from '@sluice/testing';

/**
 * Proves the OpenAI batch upload streams: the second line is produced only after the server has
 * received the first, so an SDK path that buffered the whole file first would never send anything.
 * A plain HTTP server stands in for the Files API because only it can observe bytes in flight.
 */
describe('OpenAI batch upload', () => {
  let server: Server;
  let received = '';
  let transferEncoding: string | undefined;

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const reply = (body: unknown): void => {
        response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_upload' });
        response.end(JSON.stringify(body));
      };
      if (request.url === '/v1/files') {
        transferEncoding = request.headers['transfer-encoding'];
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => {
          received += chunk;
        });
        request.on('end', () => reply({ id: 'file_1', object: 'file', bytes: received.length, purpose: 'batch' }));
        return;
      }
      request.resume();
      request.on('end', () =>
        reply({
          id: 'batch_1',
          object: 'batch',
          endpoint: '/v1/chat/completions',
          input_file_id: 'file_1',
          completion_window: '24h',
          status: 'validating',
          created_at: 1,
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('sends the first lines before the rest of the input exists', async () => {
    const { port } = server.address() as AddressInfo;
    const batch = createProviderAdapters({ openai: { baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-test' } }).batch('openai');
    const first = batch.buildLine('first-line', { model: 'gpt-4o-mini', messages: [] }, 'chat');
    const second = batch.buildLine('second-line', { model: 'gpt-4o-mini', messages: [] }, 'chat');

    async function* lines(): AsyncGenerator<Buffer> {
      yield first;
      await waitFor(() => received.includes('first-line'), { timeoutMs: 10_000, description: 'the first line to reach the server' });
      yield second;
    }

    const submitted = await batch.submit(lines(), { operation: 'chat', model: 'gpt-4o-mini' });
    expect(submitted).toMatchObject({ batchId: 'batch_1', inputFileId: 'file_1', requestCount: 2 });
    expect(transferEncoding).toBe('chunked');
    expect(received).toContain(first.toString('utf8'));
    expect(received).toContain(second.toString('utf8'));
  });

  it('stops the upload with batch_too_large once the input crosses the request limit', async () => {
    const { port } = server.address() as AddressInfo;
    const batch = createProviderAdapters({ openai: { baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-test' } }).batch('openai');
    const tooMany = Buffer.from('{}\n'.repeat(OPENAI_BATCH_LIMITS.maxRequests + 1));

    const error = await batch.submit([tooMany], { operation: 'chat', model: 'gpt-4o-mini' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'invalid_request', code: 'batch_too_large', provider: 'openai' });
  });
});
