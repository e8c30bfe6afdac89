import { randomUUID } from 'node:crypto';
import { createProviderAdapters, ProviderAdapters } from '@sluice/providers';
import { waitFor } from '@sluice/testing';
import { adapterContract, ContractContext, expectProviderError, ProviderFixture } from './adapter-contract';
import { EmulatorHandle, startEmulator } from './emulator.harness';

const INJECTED_RETRY_AFTER_MS = 1234;

// Batches run their whole lifecycle in about a second, and 429s say exactly how long to wait.
const FAST_PROFILE = {
  faults: { retryAfterMs: INJECTED_RETRY_AFTER_MS },
  batch: {
    validationMs: 20,
    turnaround: { distribution: 'fixed', minMs: 300, maxMs: 300, perRequestMs: 0 },
    finalizingMs: 20,
    cancellingMs: 20,
  },
};

const openai: ProviderFixture = {
  provider: 'openai',
  chatModel: 'gpt-4o-mini',
  slowBatchModel: 'gpt-4.1-mini',
  embeddingModel: 'text-embedding-3-small',
  chatBody: (prompt, model = 'gpt-4o-mini') => ({ model, messages: [{ role: 'user', content: prompt }], max_tokens: 48 }),
  text: (response) => (response as { choices: Array<{ message: { content: string | null } }> }).choices[0]?.message.content ?? '',
  invalidBody: () => ({ model: 'gpt-4o-mini', messages: 'not a list' }),
};

const anthropic: ProviderFixture = {
  provider: 'anthropic',
  chatModel: 'claude-haiku-4-5',
  slowBatchModel: 'claude-sonnet-4-5',
  embeddingModel: null,
  chatBody: (prompt, model = 'claude-haiku-4-5') => ({ model, max_tokens: 48, messages: [{ role: 'user', content: prompt }] }),
  text: (response) =>
    (response as { content: Array<{ type: string; text?: string }> }).content
      .filter((block) => block.type === 'text')
      .map((block) => block.text ?? '')
      .join(''),
  invalidBody: () => ({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'no max_tokens' }] }),
};

let emulator: EmulatorHandle;
let adapters: ProviderAdapters;

beforeAll(async () => {
  emulator = await startEmulator();
  for (const fixture of [openai, anthropic]) {
    await emulator.admin('PUT', `profiles/${fixture.chatModel}`, FAST_PROFILE);
    await emulator.admin('PUT', `profiles/${fixture.slowBatchModel}`, {
      ...FAST_PROFILE,
      batch: { ...FAST_PROFILE.batch, turnaround: { distribution: 'fixed', minMs: 600_000, maxMs: 600_000, perRequestMs: 0 } },
    });
  }
  const apiKey = `sk-contract-${randomUUID()}`;
  adapters = createProviderAdapters({
    openai: { baseURL: `${emulator.baseUrl}/v1`, apiKey },
    anthropic: { baseURL: emulator.baseUrl, apiKey },
  });
});

afterAll(async () => {
  for (const fixture of [openai, anthropic]) {
    for (const model of [fixture.chatModel, fixture.slowBatchModel]) {
      await emulator?.admin('DELETE', `profiles/${model}`);
    }
  }
  await emulator?.close();
});

describe.each([openai, anthropic])('$provider adapters against the provider emulator', (fixture) => {
  const context = (): ContractContext => ({
    realtime: () => adapters.realtime(fixture.provider),
    batch: () => adapters.batch(fixture.provider),
    injectedRetryAfterMs: INJECTED_RETRY_AFTER_MS,
    armFault: async (model, kind, count) => {
      await emulator.admin('POST', `faults/${model}`, { kind, count });
    },
  });
  adapterContract(fixture, context);
});

describe('openai specifics', () => {
  it('asks for the flex tier on a model that has one', async () => {
    const result = await adapters.realtime('openai').complete({ body: openai.chatBody('flex please', 'o4-mini'), tier: 'flex' });
    expect((result.response as { service_tier?: string }).service_tier).toBe('flex');
  });

  it('refuses the flex tier on a model without one, before calling', async () => {
    const error = await expectProviderError(adapters.realtime('openai').complete({ body: openai.chatBody('no flex'), tier: 'flex' }));
    expect(error).toMatchObject({ kind: 'unsupported', providerRequestId: null });
  });

  it('batches embeddings', async () => {
    const batch = adapters.batch('openai');
    const lines = ['e1', 'e2'].map((id) => batch.buildLine(id, { model: 'text-embedding-3-small', input: [`text ${id}`] }, 'embedding'));
    await emulator.admin('PUT', 'profiles/text-embedding-3-small', FAST_PROFILE);
    try {
      const submitted = await batch.submit(lines, { operation: 'embedding', model: 'text-embedding-3-small' });
      await waitFor(async () => (await batch.poll(submitted.batchId)).status === 'completed', {
        timeoutMs: 60_000,
        description: 'the embeddings batch to complete',
      });
      const results = [];
      for await (const result of batch.results(submitted.batchId)) results.push(result);
      expect(results.map((result) => result.customId).sort()).toEqual(['e1', 'e2']);
      for (const result of results) {
        expect(result).toMatchObject({ ok: true, usage: { outputTokens: 0 } });
      }
    } finally {
      await emulator.admin('DELETE', 'profiles/text-embedding-3-small');
    }
  });
});

describe('anthropic specifics', () => {
  it('drops temperature, top_p and top_k, which API 2026-10-21 refuses', async () => {
    const body = { ...anthropic.chatBody('sampling'), temperature: 0.2, top_p: 0.9, top_k: 40 };
    const result = await adapters.realtime('anthropic').complete({ body });
    expect(anthropic.text(result.response).length).toBeGreaterThan(0);
  });

  it('refuses a batch whose lines name another model, before calling', async () => {
    const batch = adapters.batch('anthropic');
    const lines = [
      batch.buildLine('m1', anthropic.chatBody('one'), 'chat'),
      batch.buildLine('m2', anthropic.chatBody('two', anthropic.slowBatchModel), 'chat'),
    ];
    const error = await expectProviderError(batch.submit(lines, { operation: 'chat', model: anthropic.chatModel }));
    expect(error).toMatchObject({ kind: 'invalid_request', code: 'mixed_models' });
  });

  it('streams a call whose max_tokens the SDK would refuse to run unstreamed', async () => {
    const result = await adapters.realtime('anthropic').complete({ body: { ...anthropic.chatBody('long'), max_tokens: 64_000 } });
    expect(anthropic.text(result.response).length).toBeGreaterThan(0);
    expect(result.providerRequestId).toEqual(expect.any(String));
  });
});
