import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@sluice/testing';
import { BatchAdapter, BatchResult, BatchState, ProviderError, ProviderName, RealtimeAdapter, StreamChunk, TERMINAL_BATCH_STATUSES } from '@sluice/providers';

/** What differs between providers; every contract case below runs against each. */
export interface ProviderFixture {
  provider: ProviderName;
  chatModel: string;
  /** A second chat model, set up so its batches never finish on their own: for cancel and not-ready cases. */
  slowBatchModel: string;
  /** null where the provider has no embeddings. */
  embeddingModel: string | null;
  chatBody(prompt: string, model?: string): Record<string, unknown>;
  /** The assistant text inside the provider's own response body. */
  text(response: unknown): string;
  /** A body the provider refuses with a 400. */
  invalidBody(): Record<string, unknown>;
}

export interface ContractContext {
  realtime(): RealtimeAdapter;
  batch(): BatchAdapter;
  /** Makes the emulator answer the next `count` requests for `model` with this fault. */
  armFault(model: string, fault: '429' | '500', count: number): Promise<void>;
  /** The retry delay the emulator sends with an injected 429. */
  injectedRetryAfterMs: number;
}

const BATCH_TIMEOUT_MS = 60_000;

export async function expectProviderError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

async function* asChunks(lines: Buffer[]): AsyncGenerator<Buffer> {
  yield* lines;
}

async function settle(adapter: BatchAdapter, batchId: string): Promise<BatchState> {
  return waitFor(
    async () => {
      const state = await adapter.poll(batchId);
      return TERMINAL_BATCH_STATUSES.has(state.status) ? state : undefined;
    },
    { timeoutMs: BATCH_TIMEOUT_MS, intervalMs: 200, description: `batch ${batchId} to end` },
  );
}

function byCustomId(results: BatchResult[]): Map<string, BatchResult> {
  return new Map(results.map((result) => [result.customId, result]));
}

/** The adapter contract: the same cases, through the official SDKs, over HTTP, for every provider. */
export function adapterContract(fixture: ProviderFixture, context: () => ContractContext): void {
  const prompt = (label: string): string => `Summarise the contract case "${label}" in one line.`;

  describe('realtime', () => {
    it('completes a chat request with the provider body, usage and request id', async () => {
      const result = await context()
        .realtime()
        .complete({ body: fixture.chatBody(prompt('complete')) });
      expect(fixture.text(result.response).length).toBeGreaterThan(0);
      expect(result.model.startsWith(fixture.chatModel)).toBe(true);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(result.providerRequestId).toEqual(expect.any(String));
    });

    it('streams text deltas that reassemble to the same text as complete, then one final chunk', async () => {
      const body = fixture.chatBody(prompt('stream'));
      const completed = await context().realtime().complete({ body });
      const chunks: StreamChunk[] = await collect(context().realtime().stream({ body }));

      const deltas = chunks.filter((chunk) => chunk.type === 'delta');
      const finals = chunks.filter((chunk) => chunk.type === 'final');
      expect(deltas.length).toBeGreaterThan(1);
      expect(finals).toHaveLength(1);
      expect(chunks[chunks.length - 1]).toBe(finals[0]);

      const streamedText = deltas.map((chunk) => (chunk.type === 'delta' ? chunk.text : '')).join('');
      const final = finals[0];
      if (final.type !== 'final') throw new Error('unreachable');
      expect(streamedText).toBe(fixture.text(completed.response));
      expect(fixture.text(final.response)).toBe(streamedText);
      expect(final.usage).toEqual(completed.usage);
      expect(final.providerRequestId).toEqual(expect.any(String));
    });

    it('embeds, or says clearly that the provider cannot', async () => {
      if (fixture.embeddingModel === null) {
        const error = await expectProviderError(
          context()
            .realtime()
            .embed({ body: { model: 'any', input: 'hello' } }),
        );
        expect(error).toMatchObject({ kind: 'unsupported', provider: fixture.provider });
        return;
      }
      const result = await context()
        .realtime()
        .embed({ body: { model: fixture.embeddingModel, input: ['first text', 'second text'] } });
      const response = result.response as { data: Array<{ index: number; embedding: number[] }> };
      expect(response.data).toHaveLength(2);
      expect(response.data[0].embedding.length).toBeGreaterThan(0);
      expect(response.data[0].embedding.every((value) => Number.isFinite(value))).toBe(true);
      expect(result.usage).toEqual({ inputTokens: expect.any(Number), outputTokens: 0, cachedInputTokens: 0 });
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.providerRequestId).toEqual(expect.any(String));
    });

    it('maps a 429 to rate_limited with the retry delay, status and request id', async () => {
      await context().armFault(fixture.chatModel, '429', 1);
      const error = await expectProviderError(
        context()
          .realtime()
          .complete({ body: fixture.chatBody(prompt('429')) }),
      );
      expect(error).toMatchObject({
        kind: 'rate_limited',
        provider: fixture.provider,
        status: 429,
        retryAfterMs: context().injectedRetryAfterMs,
        providerRequestId: expect.any(String),
      });
      // The fault was armed for one request only: the adapter itself did not retry it away (maxRetries 0).
      await expect(
        context()
          .realtime()
          .complete({ body: fixture.chatBody(prompt('after 429')) }),
      ).resolves.toBeDefined();
    });

    it('maps a 500 to retryable', async () => {
      await context().armFault(fixture.chatModel, '500', 1);
      const error = await expectProviderError(
        context()
          .realtime()
          .complete({ body: fixture.chatBody(prompt('500')) }),
      );
      expect(error).toMatchObject({ kind: 'retryable', status: 500, providerRequestId: expect.any(String) });
    });

    it('maps a refused body to invalid_request', async () => {
      const error = await expectProviderError(context().realtime().complete({ body: fixture.invalidBody() }));
      expect(error).toMatchObject({ kind: 'invalid_request', status: 400, providerRequestId: expect.any(String) });
    });

    it('maps an unknown model to model_unknown', async () => {
      const body = fixture.chatBody(prompt('unknown model'), `no-such-model-${randomUUID()}`);
      const error = await expectProviderError(context().realtime().complete({ body }));
      expect(error).toMatchObject({ kind: 'model_unknown', provider: fixture.provider, providerRequestId: expect.any(String) });
      const streamed = await expectProviderError(collect(context().realtime().stream({ body })));
      expect(streamed.kind).toBe('model_unknown');
    });

    it('maps an abort by the caller to aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await expectProviderError(
        context()
          .realtime()
          .complete({ body: fixture.chatBody(prompt('abort')), signal: controller.signal }),
      );
      expect(error.kind).toBe('aborted');
    });
  });

  describe('batch', () => {
    it('submits ~200 lines, polls to completion and returns every result by custom_id', async () => {
      const adapter = context().batch();
      const ids = Array.from({ length: 200 }, (_, i) => `c-${i}-${randomUUID().slice(0, 8)}`);
      const lines = ids.map((id, i) => adapter.buildLine(id, fixture.chatBody(prompt(`batch line ${i}`)), 'chat'));

      const submitted = await adapter.submit(asChunks(lines), {
        operation: 'chat',
        model: fixture.chatModel,
        metadata: { suite: 'adapter-contract' },
      });
      expect(submitted.requestCount).toBe(200);
      expect(submitted.bytes).toBe(lines.reduce((sum, line) => sum + line.byteLength, 0));

      const state = await settle(adapter, submitted.batchId);
      expect(state.status).toBe('completed');
      expect(state.counts).toEqual({ total: 200, completed: 200, failed: 0 });

      const results = byCustomId(await collect(adapter.results(submitted.batchId)));
      expect([...results.keys()].sort()).toEqual([...ids].sort());
      for (const result of results.values()) {
        expect(result.ok).toBe(true);
        if (!result.ok) continue;
        expect(fixture.text(result.response).length).toBeGreaterThan(0);
        expect(result.usage.inputTokens).toBeGreaterThan(0);
      }
    });

    it('submits from a JSONL file on disk', async () => {
      const adapter = context().batch();
      const ids = ['file-a', 'file-b', 'file-c'];
      const dir = mkdtempSync(join(tmpdir(), 'sluice-contract-'));
      const path = join(dir, 'batch.jsonl');
      writeFileSync(path, Buffer.concat(ids.map((id) => adapter.buildLine(id, fixture.chatBody(prompt(id)), 'chat'))));

      const submitted = await adapter.submit(path, { operation: 'chat', model: fixture.chatModel }).finally(() => {
        rmSync(dir, { recursive: true, force: true });
      });
      expect(submitted.requestCount).toBe(3);
      expect((await settle(adapter, submitted.batchId)).status).toBe('completed');
      const results = await collect(adapter.results(submitted.batchId));
      expect(results.map((result) => result.customId).sort()).toEqual(ids);
    });

    it('cancels a batch; the lines that had not run come back as batch_cancelled', async () => {
      const adapter = context().batch();
      const ids = Array.from({ length: 50 }, (_, i) => `x-${i}`);
      const lines = ids.map((id) => adapter.buildLine(id, fixture.chatBody(prompt(id), fixture.slowBatchModel), 'chat'));
      const submitted = await adapter.submit(asChunks(lines), { operation: 'chat', model: fixture.slowBatchModel });

      const cancelling = await adapter.cancel(submitted.batchId);
      expect(['cancelling', 'cancelled']).toContain(cancelling.status);
      expect((await settle(adapter, submitted.batchId)).status).toBe('cancelled');

      const results = await collect(adapter.results(submitted.batchId));
      expect(results.map((result) => result.customId).sort()).toEqual([...ids].sort());
      // The slow model's turnaround is far longer than submit-then-cancel, so no line ran.
      for (const result of results) {
        expect(result).toMatchObject({ ok: false, error: { code: 'batch_cancelled', kind: 'retryable' } });
      }
    });

    it('refuses results before the batch has ended', async () => {
      const adapter = context().batch();
      const line = adapter.buildLine('early', fixture.chatBody(prompt('early'), fixture.slowBatchModel), 'chat');
      const submitted = await adapter.submit([line], { operation: 'chat', model: fixture.slowBatchModel });
      const error = await expectProviderError(collect(adapter.results(submitted.batchId)));
      expect(error).toMatchObject({ kind: 'invalid_request', code: 'batch_not_ready' });
      await adapter.cancel(submitted.batchId);
    });

    it('lists the batches created since an instant, newest first, so a batch submitted just before a crash is found', async () => {
      const adapter = context().batch();
      const since = new Date(Date.now() - 1_000);
      const tag = randomUUID();
      const submit = (id: string): Promise<{ batchId: string }> =>
        adapter.submit([adapter.buildLine(id, fixture.chatBody(prompt(id), fixture.slowBatchModel), 'chat')], {
          operation: 'chat',
          model: fixture.slowBatchModel,
          metadata: { sluice_batch_id: tag },
        });
      const older = await submit('recent-a');
      const newer = await submit('recent-b');

      const listed = await collect(adapter.recent(since));
      const ours = listed.filter((batch) => batch.batchId === older.batchId || batch.batchId === newer.batchId);
      expect(ours.map((batch) => batch.batchId)).toEqual([newer.batchId, older.batchId]);
      for (const batch of ours) {
        expect(batch.status).toMatch(/validating|in_progress/);
        // OpenAI counts a batch's requests only once it has validated the input file.
        expect(batch.requestCount).toBe(fixture.provider === 'anthropic' || batch.status !== 'validating' ? 1 : 0);
        expect(batch.createdAt.getTime()).toBeGreaterThanOrEqual(Math.floor(since.getTime() / 1000) * 1000);
        // OpenAI gives back what the batch was created with; Anthropic batches carry no metadata.
        expect(batch.metadata).toEqual(fixture.provider === 'openai' ? { sluice_batch_id: tag } : null);
      }
      expect(listed.every((batch) => batch.createdAt.getTime() >= Math.floor(since.getTime() / 1000) * 1000)).toBe(true);
      await Promise.all([older, newer].map((batch) => adapter.cancel(batch.batchId)));
    });

    it('maps an unknown batch id to a provider error with the request id', async () => {
      const error = await expectProviderError(context().batch().poll(`batch_${randomUUID()}`));
      expect(error).toMatchObject({ status: 404, kind: 'invalid_request', providerRequestId: expect.any(String) });
    });
  });
}
