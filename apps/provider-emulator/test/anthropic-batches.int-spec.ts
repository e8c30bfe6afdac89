import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { costUsd, findModelPrice } from '@sluice/providers';
import { waitFor } from '@sluice/testing';
import { bootEmulator, Harness, newApiKey } from './emulator.harness';

const MODEL = 'claude-haiku-4-5';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type BatchRequest = Anthropic.Messages.BatchCreateParams.Request;

function request(customId: string, content: string, model = MODEL): BatchRequest {
  return { custom_id: customId, params: { model, max_tokens: 64, messages: [{ role: 'user', content }] } };
}

describe('provider emulator: Anthropic Message Batches through @anthropic-ai/sdk', () => {
  let emulator: Harness;

  beforeAll(async () => {
    emulator = await bootEmulator();
  });

  afterAll(async () => {
    await emulator.close();
  });

  const ended = (client: Anthropic, id: string): Promise<MessageBatch> =>
    waitFor(
      async () => {
        const batch = await client.messages.batches.retrieve(id);
        return batch.processing_status === 'ended' ? batch : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: `message batch ${id} to end` },
    );

  async function results(client: Anthropic, id: string): Promise<MessageBatchIndividualResponse[]> {
    const all: MessageBatchIndividualResponse[] = [];
    for await (const result of await client.messages.batches.results(id)) all.push(result);
    return all;
  }

  it('runs a 10,000-request batch: processing until it ends, then results by custom_id from results_url', async () => {
    const apiKey = newApiKey('msgbatch10k');
    const client = emulator.anthropic(apiKey);
    const total = 10_000;
    const requests = Array.from({ length: total }, (_, i) => request(`r-${i}`, `request ${i} ${'y'.repeat(i % 89)}`));
    const created = await client.messages.batches.create({ requests });
    expect(created.processing_status).toBe('in_progress');
    expect(created.request_counts).toEqual({ processing: total, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    expect(created.results_url).toBeNull();
    expect(created.created_at).toMatch(RFC3339);
    expect(created.expires_at).toMatch(RFC3339);

    const early = await client.messages.batches.delete(created.id).catch((error: unknown) => error);
    expect(early).toBeInstanceOf(Anthropic.BadRequestError);

    const batch = await ended(client, created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: total, errored: 0, canceled: 0, expired: 0 });
    expect(batch.ended_at).toMatch(RFC3339);
    expect(batch.results_url).toBe(`${emulator.baseUrl}/v1/messages/batches/${created.id}/results`);

    const all = await results(client, created.id);
    expect(all).toHaveLength(total);
    const byCustomId = new Map(all.map((result) => [result.custom_id, result.result]));
    expect(byCustomId.size).toBe(total);
    let inputTokens = 0;
    let outputTokens = 0;
    const notBatchTier: string[] = [];
    for (const [customId, result] of byCustomId) {
      if (result.type !== 'succeeded' || result.message.usage.service_tier !== 'batch') {
        notBatchTier.push(customId);
        continue;
      }
      inputTokens += result.message.usage.input_tokens;
      outputTokens += result.message.usage.output_tokens;
    }
    expect(notBatchTier).toEqual([]);

    // The batch lane answers exactly what the realtime lane would.
    const realtime = await client.messages.create(requests[77]?.params as Anthropic.MessageCreateParamsNonStreaming);
    const fromBatch = byCustomId.get('r-77');
    expect(fromBatch?.type === 'succeeded' && fromBatch.message.content).toEqual(realtime.content);

    const price = findModelPrice('anthropic', MODEL);
    if (!price) throw new Error('catalog lacks the model');
    const billing = await emulator.billing(apiKey);
    const batchLine = billing.byModel.find((line) => line.tier === 'batch');
    expect(batchLine).toMatchObject({ kind: 'batch_line', requests: total, inputTokens, outputTokens });
    expect(batchLine?.costUsd).toBeCloseTo(costUsd(price, { inputTokens, outputTokens }, 'batch'), 9);

    expect(await client.messages.batches.delete(created.id)).toEqual({ id: created.id, type: 'message_batch_deleted' });
    const gone = await client.messages.batches.retrieve(created.id).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('reports requests that fail as errored results in the Anthropic error shape', async () => {
    await emulator.putProfile('claude-sonnet-4-5', { faults: { batchLineErrorRate: 1 } });
    try {
      const client = emulator.anthropic(newApiKey('errored'));
      const created = await client.messages.batches.create({
        requests: [
          request('ok', 'fine'),
          { custom_id: 'no-max-tokens', params: { model: MODEL, messages: [{ role: 'user', content: 'x' }] } as never },
          request('unknown-model', 'x', 'claude-nonexistent'),
          { custom_id: 'temperature', params: { ...request('t', 'x').params, temperature: 0.3 } as never },
          request('server-error', 'x', 'claude-sonnet-4-5'),
        ],
      });
      const batch = await ended(client, created.id);
      expect(batch.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 4, canceled: 0, expired: 0 });
      const byId = new Map((await results(client, created.id)).map((result) => [result.custom_id, result.result]));
      const errorType = (customId: string): string | undefined => {
        const result = byId.get(customId);
        return result?.type === 'errored' ? result.error.error.type : undefined;
      };
      expect(byId.get('ok')?.type).toBe('succeeded');
      expect(errorType('no-max-tokens')).toBe('invalid_request_error');
      expect(errorType('unknown-model')).toBe('not_found_error');
      expect(errorType('temperature')).toBe('invalid_request_error');
      expect(errorType('server-error')).toBe('api_error');
      const errored = byId.get('server-error');
      expect(errored?.type === 'errored' && errored.error).toMatchObject({ type: 'error', request_id: expect.stringMatching(/^req_/) });
    } finally {
      await emulator.removeProfile('claude-sonnet-4-5');
    }
  });

  it('cancels: canceling, then ended with succeeded and canceled results', async () => {
    await emulator.putProfile('claude-opus-4-1', { batch: { turnaround: { distribution: 'fixed', minMs: 5000 }, cancellingMs: 100 } });
    try {
      const apiKey = newApiKey('cancel');
      const client = emulator.anthropic(apiKey);
      const requests = Array.from({ length: 300 }, (_, i) => request(`c-${i}`, `q${i}`, 'claude-opus-4-1'));
      const created = await client.messages.batches.create({ requests });
      // Counters stay at "processing" until the end, but each finished request is billed at once.
      await waitFor(async () => (await emulator.billing(apiKey)).totals.requests > 0, { description: 'some requests to run' });
      const canceling = await client.messages.batches.cancel(created.id);
      expect(canceling.processing_status).toBe('canceling');
      expect(canceling.cancel_initiated_at).toMatch(RFC3339);
      const batch = await ended(client, created.id);
      const counts = batch.request_counts;
      expect(counts.succeeded).toBeGreaterThan(0);
      expect(counts.canceled).toBeGreaterThan(0);
      expect(counts.succeeded + counts.canceled).toBe(300);
      const all = await results(client, created.id);
      expect(all.filter((result) => result.result.type === 'canceled')).toHaveLength(counts.canceled);
    } finally {
      await emulator.removeProfile('claude-opus-4-1');
    }
  });

  it('expires unfinished requests with partial results', async () => {
    await emulator.putProfile('claude-opus-4-1', { faults: { forceExpire: true, expireAfterFraction: 0.25 } });
    try {
      const client = emulator.anthropic(newApiKey('expire'));
      const created = await client.messages.batches.create({
        requests: Array.from({ length: 40 }, (_, i) => request(`x-${i}`, `q${i}`, 'claude-opus-4-1')),
      });
      const batch = await ended(client, created.id);
      expect(batch.request_counts).toEqual({ processing: 0, succeeded: 10, errored: 0, canceled: 0, expired: 30 });
      const all = await results(client, created.id);
      expect(all.filter((result) => result.result.type === 'expired')).toHaveLength(30);
    } finally {
      await emulator.removeProfile('claude-opus-4-1');
    }
  });

  it('refuses malformed batches at creation', async () => {
    const client = emulator.anthropic(newApiKey('invalid'));
    const attempts: BatchRequest[][] = [[], [request('bad id!', 'x')], [request('same', 'x'), request('same', 'y')]];
    for (const requests of attempts) {
      const error = await client.messages.batches.create({ requests }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    }
  });

  it('lists batches newest first with after_id / before_id cursors', async () => {
    const client = emulator.anthropic(newApiKey('list'));
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await client.messages.batches.create({ requests: [request(`l${i}`, 'x')] })).id);
    const first = await client.messages.batches.list({ limit: 2 });
    expect(first.data.map((batch) => batch.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const next = await client.messages.batches.list({ limit: 2, after_id: first.last_id ?? undefined });
    expect(next.data[0]?.id).toBe(ids[0]);
    const back = await client.messages.batches.list({ limit: 1, before_id: ids[0] });
    expect(back.data.map((batch) => batch.id)).toEqual([ids[1]]);
    const every: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 2 })) every.push(batch.id);
    expect(every.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
  });
});
