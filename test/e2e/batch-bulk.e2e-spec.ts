import { InferenceResultV1, Topics, validateMessage } from '@sluice/contracts';
import { costUsd, findModelPrice } from '@sluice/providers';
import { randomTenant } from '@sluice/testing';
import { EMBEDDING_MODEL, SluiceHarness, awaitAllResults, batchLines, embeddingRequest, ledgerBatches } from './support';

const MINUTE = 60_000;

/**
 * The batch lane across all five services and the provider emulator, with the aggregator's default
 * window (60 s): a burst of requests that can wait becomes as few provider batches as the provider's
 * limits allow, and each request one result at the batch price.
 */
describe('batch lane: windowing into provider batches', () => {
  let h: SluiceHarness;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'batch-bulk', env: { 'batch-aggregator': { BATCH_POLL_MIN_MS: '200', BATCH_POLL_MAX_MS: '1000' } } });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  it(
    'turns 2,000 batch-lane embedding requests into one provider batch and one result each, at the batch price',
    async () => {
      const tenant = randomTenant('bulk');
      // The policy's default for embeddings: a day, far beyond the batch lane's planned turnaround.
      const requests = Array.from({ length: 2_000 }, () => embeddingRequest(tenant, 24 * 60 * MINUTE));
      const ids = requests.map((request) => request.id);
      await h.produce(requests);

      const results = await awaitAllResults(h, tenant, ids, 3 * MINUTE);
      await h.waitFor(() => h.tap.forTenant(tenant, Topics.Events).filter((m) => (m.value as { type?: string }).type === 'completed').length >= ids.length, {
        timeoutMs: MINUTE,
        description: 'a completed event for every request',
      });
      await h.quiesce();

      // The OpenAI limits (50,000 requests, 50,000 inputs, 200 MB) make one batch the fewest possible.
      const lines = await batchLines(h, new Set(ids));
      expect(lines).toHaveLength(2_000);
      expect(new Set(lines.map((line) => line.batchId)).size).toBe(1);
      expect(new Set(lines.map((line) => line.customId)).size).toBe(2_000);
      expect(lines.every((line) => line.tier === 'batch')).toBe(true);
      const batches = await ledgerBatches(h, tenant);
      expect(batches).toEqual([expect.objectContaining({ status: 'completed', requestCount: 2_000, items: { succeeded: 2_000 } })]);

      const price = findModelPrice('openai', EMBEDDING_MODEL)!;
      const billedById = new Map(lines.map((line) => [line.customId, line.costUsd]));
      for (const id of ids) {
        const forRequest = results.get(id)!;
        expect(forRequest).toHaveLength(1);
        const [result] = forRequest;
        expect(validateMessage(InferenceResultV1, result)).toMatchObject({ ok: true });
        expect(result).toMatchObject({ status: 'succeeded', lane: 'batch', deadlineMet: true });
        const usage = result!.usage as { inputTokens: number; outputTokens: number };
        const cost = result!.cost as { usd: number; realtimeUsd: number; savedUsd: number };
        expect(cost.usd).toBeCloseTo(costUsd(price, usage, 'batch'), 12);
        expect(cost.realtimeUsd).toBeCloseTo(costUsd(price, usage, 'standard'), 12);
        expect(cost.savedUsd).toBeCloseTo(cost.realtimeUsd - cost.usd, 12);
        // The emulator's bill for the line is the ground truth of what Sluice says it cost.
        expect(cost.usd).toBeCloseTo(billedById.get(id)!, 12);
      }

      const sample = ids[0]!;
      const types = h.eventTypes(tenant, sample);
      expect(types.slice(0, 4)).toEqual(['accepted', 'routed', 'batched', 'submitted']);
      expect(types[types.length - 1]).toBe('completed');
      expect(types.filter((type) => type === 'completed')).toHaveLength(1);
    },
    5 * MINUTE,
  );
});
