import Anthropic from '@anthropic-ai/sdk';
import { costUsd, findModelPrice } from '@sluice/providers';
import { randomTenant } from '@sluice/testing';
import { SluiceHarness } from './support';

const MINUTE = 60_000;
const MODEL = 'claude-haiku-4-5';

/**
 * Anthropic's Message Batches on ingestion's facade, driven by the official `@anthropic-ai/sdk`:
 * the batch's requests are ordinary Sluice requests with a day as their deadline, so they go to the
 * batch lane (provider batches of the emulator behind the aggregator) and come back at the batch price.
 */
describe('Anthropic facade: message batches', () => {
  let h: SluiceHarness;
  let tenant: string;
  let anthropic: Anthropic;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'facade-msg-batches', env: { 'batch-aggregator': { BATCH_POLL_MIN_MS: '200', BATCH_POLL_MAX_MS: '1000' } } });
    tenant = randomTenant('an-batches');
    const key = await h.ledger.issueApiKey(tenant);
    anthropic = new Anthropic({ apiKey: key, baseURL: `${h.service('ingestion').url}/anthropic`, maxRetries: 0 });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  it(
    'runs a batch of 1,000 requests from messages.batches.create to results(): each custom_id answered once, at the batch price',
    async () => {
      const customIds = Array.from({ length: 1_000 }, (_, i) => `req-${i}`);
      const created = await anthropic.messages.batches.create({
        requests: customIds.map((customId, i) => ({
          custom_id: customId,
          params: { model: MODEL, max_tokens: 32, messages: [{ role: 'user' as const, content: `Question ${i} of ${tenant} [emulator:output_tokens=4]` }] },
        })),
      });
      expect(created).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', results_url: null });
      expect(created.request_counts).toEqual({ processing: 1_000, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
      expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 3_600_000);

      const ended = await h.waitFor(
        async () => {
          const batch = await anthropic.messages.batches.retrieve(created.id);
          return batch.processing_status === 'ended' ? batch : undefined;
        },
        { timeoutMs: 4 * MINUTE, intervalMs: 1_000, description: `message batch ${created.id} to end` },
      );
      expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1_000, errored: 0, canceled: 0, expired: 0 });
      expect(ended.results_url).toBe(`${h.service('ingestion').url}/anthropic/v1/messages/batches/${created.id}/results`);

      const results: Array<{
        custom_id: string;
        result: Anthropic.Messages.MessageBatchResult;
        sluice?: { request_id: string; lane: string; cost_usd: number };
      }> = [];
      for await (const line of await anthropic.messages.batches.results(created.id)) results.push(line as (typeof results)[number]);
      expect(results).toHaveLength(1_000);
      expect(results.map((line) => line.custom_id).sort()).toEqual([...customIds].sort());
      const price = findModelPrice('anthropic', MODEL)!;
      for (const line of results) {
        expect(line.result.type).toBe('succeeded');
        const message = (line.result as Anthropic.Messages.MessageBatchSucceededResult).message;
        expect(message.content[0]).toMatchObject({ type: 'text' });
        expect(message.usage.output_tokens).toBe(4);
        expect(line.sluice?.lane).toBe('batch');
        const usage = { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens };
        expect(line.sluice?.cost_usd).toBeCloseTo(costUsd(price, usage, 'batch'), 12);
      }

      // What the provider billed: this run's emulator saw no other Anthropic batch, so each of its batch
      // lines is one of these requests, once each, at the batch tier, and what Sluice booked is what it billed.
      const billed = (await h.emulator.billingRecords(h.providerKeys.anthropic)).filter((record) => record.kind === 'batch_line');
      expect(billed).toHaveLength(1_000);
      expect(new Set(billed.map((record) => record.customId)).size).toBe(1_000);
      expect(billed.every((record) => record.tier === 'batch')).toBe(true);
      const booked = results.reduce((sum, line) => sum + (line.sluice?.cost_usd ?? 0), 0);
      expect(booked).toBeCloseTo(
        billed.reduce((sum, record) => sum + record.costUsd, 0),
        9,
      );

      const listed = await anthropic.messages.batches.list({ limit: 10 });
      expect(listed.data.map((batch) => batch.id)).toContain(created.id);
    },
    10 * MINUTE,
  );

  it("refuses a batch whose envelope is wrong, and answers what does not exist, in Anthropic's error shape", async () => {
    const params = { model: MODEL, max_tokens: 8, messages: [{ role: 'user' as const, content: 'hi' }] };
    await expect(
      anthropic.messages.batches.create({
        requests: [
          { custom_id: 'same', params },
          { custom_id: 'same', params },
        ],
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(anthropic.messages.batches.create({ requests: [{ custom_id: 'not ok!', params }] })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(anthropic.messages.batches.retrieve('msgbatch_missing')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(anthropic.messages.batches.cancel('msgbatch_missing')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });
});
