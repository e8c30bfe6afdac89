import { costUsd, findModelPrice } from '@sluice/providers';
import { randomTenant } from '@sluice/testing';
import { assertOpenAISchema } from '@sluice/testing/openai/openai.schemas';
import OpenAI, { toFile } from 'openai';
import { CHAT_MODEL, SluiceHarness, batchLines, ledgerBatches, providerBatchStatus } from './support';

const MINUTE = 60_000;

interface OutputLine {
  id: string;
  custom_id: string;
  response: {
    status_code: number;
    request_id: string;
    body: { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number; completion_tokens: number } };
  };
  error: unknown;
  sluice: { request_id: string; lane: string; cost_usd: number };
}

/**
 * OpenAI's Files and Batch APIs on ingestion's facade, driven by the official `openai` SDK: a batch is
 * a set of ordinary Sluice requests with the batch's window as their deadline, so they go to the batch
 * lane (provider batches of the emulator behind the aggregator) and come back at the batch price, in
 * OpenAI's output-file format keyed by custom_id.
 */
describe('OpenAI facade: files and batches', () => {
  let h: SluiceHarness;
  let tenant: string;
  let key: string;
  let baseURL: string;
  let openai: OpenAI;

  beforeAll(async () => {
    h = await SluiceHarness.start({
      name: 'facade-batches',
      // Windows close after 5 s rather than a minute: the batches below reach the provider sooner.
      env: { 'batch-aggregator': { BATCH_WINDOW_MAX_AGE_MS: '5000', BATCH_POLL_MIN_MS: '200', BATCH_POLL_MAX_MS: '1000' } },
    });
    tenant = randomTenant('oa-batches');
    key = await h.ledger.issueApiKey(tenant);
    baseURL = `${h.service('ingestion').url}/openai/v1`;
    openai = new OpenAI({ apiKey: key, baseURL, maxRetries: 0 });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  async function rawGet(path: string): Promise<unknown> {
    const response = await fetch(`${baseURL}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    return response.json();
  }

  function chatLine(customId: string, prompt: string, model = CHAT_MODEL): string {
    const body = { model, messages: [{ role: 'user', content: `${prompt} [emulator:output_tokens=3]` }] };
    return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body });
  }

  it(
    'runs a 1,000-line batch from files.create to files.content: every custom_id answered once, at the batch price',
    async () => {
      const customIds = Array.from({ length: 1_000 }, (_, i) => `line-${i}`);
      const jsonl = `${customIds.map((id, i) => chatLine(id, `Batch question ${i} of ${tenant}`)).join('\n')}\n`;

      const file = await openai.files.create({ file: await toFile(Buffer.from(jsonl), 'questions.jsonl'), purpose: 'batch' });
      expect(file).toMatchObject({ object: 'file', purpose: 'batch', bytes: Buffer.byteLength(jsonl), filename: 'questions.jsonl' });
      assertOpenAISchema('OpenAIFile', await rawGet(`/files/${file.id}`));
      const stored = await openai.files.content(file.id);
      expect(await stored.text()).toBe(jsonl);

      const created = await openai.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        metadata: { run: 'e2e' },
      });
      expect(created).toMatchObject({ object: 'batch', input_file_id: file.id, metadata: { run: 'e2e' }, request_counts: { total: 1_000 } });
      expect(['validating', 'in_progress', 'completed']).toContain(created.status);
      // The completion window is the batch's deadline: 24 h from its creation.
      expect(created.expires_at! - created.created_at).toBe(24 * 3600);

      const seen = new Set<string>();
      const done = await h.waitFor(
        async () => {
          const batch = await openai.batches.retrieve(created.id);
          seen.add(batch.status);
          return batch.status === 'completed' ? batch : undefined;
        },
        { timeoutMs: 4 * MINUTE, intervalMs: 1_000, description: `batch ${created.id} to complete (seen: ${[...seen].join(', ')})` },
      );
      expect(done.request_counts).toEqual({ total: 1_000, completed: 1_000, failed: 0 });
      expect(done.error_file_id).toBeNull();
      assertOpenAISchema('Batch', await rawGet(`/batches/${created.id}`));

      const output = await openai.files.content(done.output_file_id!);
      const lines = (await output.text())
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as OutputLine);
      expect(lines).toHaveLength(1_000);
      expect(lines.map((line) => line.custom_id).sort()).toEqual([...customIds].sort());
      const price = findModelPrice('openai', CHAT_MODEL)!;
      for (const line of lines) {
        expect(line.error).toBeNull();
        expect(line.response.status_code).toBe(200);
        assertOpenAISchema('CreateChatCompletionResponse', line.response.body);
        expect(line.response.body.choices[0].message.content.split(' ')).toHaveLength(3);
        expect(line.sluice.lane).toBe('batch');
        const usage = { inputTokens: line.response.body.usage.prompt_tokens, outputTokens: line.response.body.usage.completion_tokens };
        expect(line.sluice.cost_usd).toBeCloseTo(costUsd(price, usage, 'batch'), 12);
      }
      const outputFile = (await rawGet(`/files/${done.output_file_id}`)) as { bytes: number; purpose: string };
      assertOpenAISchema('OpenAIFile', outputFile);
      expect(outputFile.purpose).toBe('batch_output');

      // What the provider billed for these lines: each once, at its batch tier.
      const billed = await batchLines(h, new Set(lines.map((line) => line.sluice.request_id)));
      expect(billed).toHaveLength(1_000);
      expect(billed.every((record) => record.tier === 'batch')).toBe(true);

      const list = await rawGet('/batches?limit=10');
      assertOpenAISchema('ListBatchesResponse', list);
      expect((list as { data: Array<{ id: string }> }).data.map((batch) => batch.id)).toContain(created.id);
    },
    10 * MINUTE,
  );

  it(
    'completes a facade batch whose provider batch expired half done: only the missing lines are resubmitted',
    async () => {
      const model = 'gpt-4o';
      const other = randomTenant('oa-expiry');
      const client = new OpenAI({ apiKey: await h.ledger.issueApiKey(other), baseURL, maxRetries: 0 });
      const customIds = Array.from({ length: 20 }, (_, i) => `expiring-${i}`);
      const jsonl = customIds.map((id) => chatLine(id, `Expiring ${id} of ${other}`, model)).join('\n');
      // The first provider batch of this model expires half-way through its lines.
      await h.emulator.setProfile(model, { faults: { forceExpire: true, expireAfterFraction: 0.5 } });
      let created;
      try {
        const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'expiring.jsonl'), purpose: 'batch' });
        created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
        // The emulator reads a batch's profile before it goes in_progress: from then on that batch expires
        // whatever the profile says, and the resubmission must not find the fault still set.
        await h.waitFor(async () => (await providerBatchStatus(h, other)) === 'started', {
          timeoutMs: 2 * MINUTE,
          description: 'the first provider batch to start',
        });
      } finally {
        await h.emulator.removeProfile(model);
      }
      const done = await h.waitFor(
        async () => {
          const batch = await client.batches.retrieve(created.id);
          return batch.status === 'completed' ? batch : undefined;
        },
        { timeoutMs: 4 * MINUTE, intervalMs: 1_000, description: `facade batch ${created.id} to complete` },
      );
      expect(done.request_counts).toEqual({ total: 20, completed: 20, failed: 0 });
      expect(done.error_file_id).toBeNull();

      const lines = (await (await client.files.content(done.output_file_id!)).text())
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as OutputLine);
      expect(lines.map((line) => line.custom_id).sort()).toEqual([...customIds].sort());
      const [first, second, ...rest] = await ledgerBatches(h, other);
      expect(rest).toEqual([]);
      const answeredFirst = first!.items.succeeded ?? 0;
      expect(first).toMatchObject({ status: 'expired', requestCount: 20 });
      expect(answeredFirst).toBeGreaterThan(0);
      expect(second).toMatchObject({ status: 'completed', requestCount: 20 - answeredFirst, items: { succeeded: 20 - answeredFirst } });
      const billed = await batchLines(h, new Set(lines.map((line) => line.sluice.request_id)));
      expect(billed).toHaveLength(20);
    },
    10 * MINUTE,
  );

  it('cancels a batch: cancelling while its lines run (Sluice does not take them back), then cancelled with what they answered', async () => {
    const customIds = Array.from({ length: 30 }, (_, i) => `cancel-${i}`);
    const jsonl = customIds.map((id) => chatLine(id, `Cancelled ${id} of ${tenant}`)).join('\n');
    const file = await openai.files.create({ file: await toFile(Buffer.from(jsonl), 'cancel.jsonl'), purpose: 'batch' });
    const created = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });

    const cancelling = await openai.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toEqual(expect.any(Number));
    assertOpenAISchema('Batch', await rawGet(`/batches/${created.id}`));
    const cancelled = await h.waitFor(
      async () => {
        const batch = await openai.batches.retrieve(created.id);
        return batch.status === 'cancelled' ? batch : undefined;
      },
      { timeoutMs: 4 * MINUTE, intervalMs: 1_000, description: `batch ${created.id} to be cancelled` },
    );
    expect(cancelled.request_counts!.total).toBe(30);
    expect(cancelled.request_counts!.completed + cancelled.request_counts!.failed).toBe(30);
    const lines = (await (await openai.files.content(cancelled.output_file_id!)).text()).split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(cancelled.request_counts!.completed);
  });

  it('fails a batch whose file does not validate, as OpenAI does, and runs none of it', async () => {
    const jsonl = [chatLine('same', 'one'), chatLine('same', 'two'), '{not json'].join('\n');
    const file = await openai.files.create({ file: await toFile(Buffer.from(jsonl), 'bad.jsonl'), purpose: 'batch' });
    const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });

    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.map((error) => [error.code, error.line])).toEqual([
      ['duplicate_custom_id', 2],
      ['invalid_json_line', 3],
    ]);
    assertOpenAISchema('Batch', await rawGet(`/batches/${batch.id}`));
    const { rows } = await h.ledger.pool.query<{ n: string }>('select count(*) as n from requests where tenant = $1 and job_id = $2', [tenant, batch.id]);
    expect(Number(rows[0].n)).toBe(0);
  });

  it("answers what does not exist, or cannot be a batch, in OpenAI's error shape", async () => {
    await expect(openai.batches.retrieve('batch_missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(openai.files.retrieve('file-missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(openai.batches.cancel('batch_missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const file = await openai.files.create({ file: await toFile(Buffer.from(chatLine('a', 'b')), 'one.jsonl'), purpose: 'batch' });
    await expect(
      openai.batches.create({ input_file_id: file.id, endpoint: '/v1/completions' as '/v1/chat/completions', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 400, param: 'endpoint' });
  });
});
