import { costUsd, findModelPrice } from '@sluice/providers';
import { waitFor } from '@sluice/testing';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import OpenAI, { toStreamingFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { bootEmulator, Harness, newApiKey } from './emulator.harness';
import { assertOpenAISchema } from '@sluice/testing/openai/openai.schemas';

interface OutputLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: { code: string; message: string } | null;
}

const TERMINAL = ['completed', 'failed', 'expired', 'cancelled'];

function chatLine(customId: string, model: string, content: string): Record<string, unknown> {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content }], max_tokens: 50 },
  };
}

describe('provider emulator: OpenAI Files and Batches through the openai SDK', () => {
  let emulator: Harness;
  let dir: string;

  beforeAll(async () => {
    emulator = await bootEmulator();
    dir = mkdtempSync(join(tmpdir(), 'emulator-batches-'));
  });

  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let files = 0;
  async function upload(client: OpenAI, lines: ReadonlyArray<Record<string, unknown> | string>): Promise<string> {
    files += 1;
    const path = join(dir, `input-${files}.jsonl`);
    writeFileSync(path, `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`);
    const file = await client.files.create({ file: createReadStream(path), purpose: 'batch' });
    expect(file.bytes).toBe(statSync(path).size);
    return file.id;
  }

  async function retrieveValid(client: OpenAI, id: string): Promise<Batch> {
    const raw = (await (await client.batches.retrieve(id).asResponse()).json()) as Batch;
    assertOpenAISchema('Batch', raw);
    return raw;
  }

  async function settle(client: OpenAI, id: string, timeoutMs = 30_000): Promise<Batch> {
    return waitFor(
      async () => {
        const batch = await retrieveValid(client, id);
        return TERMINAL.includes(batch.status) ? batch : undefined;
      },
      { timeoutMs, intervalMs: 100, description: `batch ${id} to end` },
    );
  }

  async function readLines(client: OpenAI, fileId: string | null | undefined): Promise<OutputLine[]> {
    if (!fileId) return [];
    const text = await (await client.files.content(fileId)).text();
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as OutputLine);
  }

  it('runs a 10,000-line chat batch through its whole lifecycle, results matched by custom_id', async () => {
    const model = 'gpt-4o-mini';
    await emulator.putProfile(model, { batch: { turnaround: { distribution: 'fixed', minMs: 2500 } } });
    const apiKey = newApiKey('batch10k');
    const client = emulator.openai(apiKey);
    const total = 10_000;
    const inputs = Array.from({ length: total }, (_, i) => chatLine(`req-${i}`, model, `question number ${i} ${'x'.repeat(i % 97)}`));
    const inputFileId = await upload(client, inputs);
    const uploaded = await (await client.files.retrieve(inputFileId).asResponse()).json();
    assertOpenAISchema('OpenAIFile', uploaded);

    const created = await client.batches.create({
      input_file_id: inputFileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { run: 'ten-thousand' },
    });
    expect(created.status).toBe('validating');
    expect(created.expires_at).toBeGreaterThan(created.created_at);

    const midway = await waitFor(
      async () => {
        const batch = await retrieveValid(client, created.id);
        const done = batch.request_counts?.completed ?? 0;
        return batch.status === 'in_progress' && done > 0 && done < total ? batch : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50, description: 'request_counts to move while in progress' },
    );
    expect(midway.request_counts?.total).toBe(total);
    expect(midway.in_progress_at).not.toBeNull();

    const batch = await settle(client, created.id);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total, completed: total, failed: 0 });
    expect(batch.model).toBe(model);
    expect(batch.metadata).toEqual({ run: 'ten-thousand' });
    expect(batch.error_file_id).toBeNull();
    for (const stamp of [batch.in_progress_at, batch.finalizing_at, batch.completed_at]) expect(stamp).toEqual(expect.any(Number));

    const outputFile = await client.files.retrieve(batch.output_file_id as string);
    expect(outputFile.purpose).toBe('batch_output');
    const lines = await readLines(client, batch.output_file_id);
    expect(lines).toHaveLength(total);
    const byCustomId = new Map(lines.map((line) => [line.custom_id, line]));
    expect(byCustomId.size).toBe(total);
    let inputTokens = 0;
    let outputTokens = 0;
    // Checked in plain code and asserted once: ten thousand expect() calls would dominate the test.
    const malformed = lines.filter((line) => !/^batch_req_/.test(line.id) || line.error !== null || line.response?.status_code !== 200);
    expect(malformed).toEqual([]);
    for (const line of lines) {
      const usage = line.response?.body.usage as { prompt_tokens: number; completion_tokens: number };
      inputTokens += usage.prompt_tokens;
      outputTokens += usage.completion_tokens;
    }
    for (const line of lines.slice(0, 25)) assertOpenAISchema('CreateChatCompletionResponse', line.response?.body);
    expect(batch.usage).toMatchObject({ input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens });

    // The batch lane answers exactly what the realtime lane would.
    const realtime = await client.chat.completions.create(inputs[42]?.body as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const choices = byCustomId.get('req-42')?.response?.body.choices as Array<{ message: { content: string } }>;
    expect(choices[0]?.message.content).toBe(realtime.choices[0]?.message.content);

    const price = findModelPrice('openai', model);
    if (!price) throw new Error('catalog lacks the model');
    const billing = await emulator.billing(apiKey);
    const batchLine = billing.byModel.find((line) => line.tier === 'batch');
    expect(batchLine).toMatchObject({ kind: 'batch_line', requests: total, inputTokens, outputTokens });
    expect(batchLine?.costUsd).toBeCloseTo(costUsd(price, { inputTokens, outputTokens }, 'batch'), 9);
    await emulator.removeProfile(model);
  });

  it('runs an embeddings batch whose vectors equal the realtime ones', async () => {
    const model = 'text-embedding-3-small';
    const client = emulator.openai(newApiKey('embed-batch'));
    const inputs = Array.from({ length: 200 }, (_, i) => ({
      custom_id: `emb-${i}`,
      method: 'POST',
      url: '/v1/embeddings',
      body: { model, input: [`document ${i}`, `title ${i}`], encoding_format: 'float' },
    }));
    // Uploaded as a stream of unknown length (chunked), the way @sluice/providers submits batches.
    const jsonl = inputs.map((line) => `${JSON.stringify(line)}\n`);
    const streamed = await client.files.create({ file: toStreamingFile(Readable.from(jsonl), 'embeddings.jsonl'), purpose: 'batch' });
    expect(streamed.bytes).toBe(Buffer.byteLength(jsonl.join('')));
    const created = await client.batches.create({ input_file_id: streamed.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    const batch = await settle(client, created.id);
    expect(batch.status).toBe('completed');
    const lines = await readLines(client, batch.output_file_id);
    expect(lines).toHaveLength(200);
    const line = lines.find((candidate) => candidate.custom_id === 'emb-7');
    assertOpenAISchema('CreateEmbeddingResponse', line?.response?.body);
    const realtime = await client.embeddings.create({ model, input: ['document 7', 'title 7'] });
    const data = line?.response?.body.data as Array<{ embedding: number[] }>;
    expect(data.map((item) => item.embedding)).toEqual(realtime.data.map((item) => item.embedding));
  });

  it('expires with partial output and batch_expired error lines', async () => {
    const model = 'gpt-4.1-mini';
    await emulator.putProfile(model, { faults: { forceExpire: true, expireAfterFraction: 0.5 } });
    const client = emulator.openai(newApiKey('expire'));
    const fileId = await upload(
      client,
      Array.from({ length: 100 }, (_, i) => chatLine(`e-${i}`, model, `q${i}`)),
    );
    const created = await client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const batch = await settle(client, created.id);
    expect(batch.status).toBe('expired');
    expect(batch.expired_at).toEqual(expect.any(Number));
    expect(batch.request_counts).toEqual({ total: 100, completed: 50, failed: 50 });
    const output = await readLines(client, batch.output_file_id);
    const errors = await readLines(client, batch.error_file_id);
    expect(output).toHaveLength(50);
    expect(errors).toHaveLength(50);
    for (const line of errors) {
      expect(line.response).toBeNull();
      expect(line.error).toEqual({
        code: 'batch_expired',
        message: 'This request could not be executed before the completion window expired.',
      });
    }
    expect(new Set([...output, ...errors].map((line) => line.custom_id)).size).toBe(100);
    await emulator.removeProfile(model);
  });

  it('cancels: cancelling, then cancelled with partial output and batch_cancelled lines', async () => {
    const model = 'gpt-4.1';
    await emulator.putProfile(model, { batch: { turnaround: { distribution: 'fixed', minMs: 5000 }, cancellingMs: 200 } });
    const client = emulator.openai(newApiKey('cancel'));
    const fileId = await upload(
      client,
      Array.from({ length: 400 }, (_, i) => chatLine(`c-${i}`, model, `q${i}`)),
    );
    const created = await client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor(
      async () => {
        const batch = await client.batches.retrieve(created.id);
        return batch.status === 'in_progress' && (batch.request_counts?.completed ?? 0) > 0;
      },
      { timeoutMs: 10_000, description: 'some lines to complete' },
    );
    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toEqual(expect.any(Number));
    const batch = await settle(client, created.id);
    expect(batch.status).toBe('cancelled');
    const output = await readLines(client, batch.output_file_id);
    const errors = await readLines(client, batch.error_file_id);
    expect(output.length).toBeGreaterThan(0);
    expect(output.length).toBeLessThan(400);
    expect(output.length + errors.length).toBe(400);
    expect(errors.every((line) => line.error?.code === 'batch_cancelled' && line.response === null)).toBe(true);
    const cancelAgain = await client.batches.cancel(created.id).catch((error: unknown) => error);
    expect(cancelAgain).toBeInstanceOf(OpenAI.BadRequestError);
    await emulator.removeProfile(model);
  });

  it('writes failing lines to the error file with their HTTP status and error body', async () => {
    const model = 'gpt-4o';
    await emulator.putProfile(model, { faults: { batchLineErrorRate: 0.25 } });
    const apiKey = newApiKey('line-errors');
    const client = emulator.openai(apiKey);
    const lines: Array<Record<string, unknown>> = Array.from({ length: 400 }, (_, i) => chatLine(`l-${i}`, model, `q${i}`));
    lines.push({ custom_id: 'no-messages', method: 'POST', url: '/v1/chat/completions', body: { model } });
    const fileId = await upload(client, lines);
    const created = await client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const batch = await settle(client, created.id);
    expect(batch.status).toBe('completed');
    const output = await readLines(client, batch.output_file_id);
    const errors = await readLines(client, batch.error_file_id);
    expect(errors.length).toBeGreaterThan(1);
    expect(output.length).toBeGreaterThan(0);
    expect(batch.request_counts).toEqual({ total: 401, completed: output.length, failed: errors.length });
    for (const line of errors) {
      expect(line.error).toBeNull();
      assertOpenAISchema('ErrorResponse', line.response?.body);
    }
    const invalid = errors.find((line) => line.custom_id === 'no-messages');
    expect(invalid?.response?.status_code).toBe(400);
    expect(errors.filter((line) => line.response?.status_code === 500)).toHaveLength(errors.length - 1);
    expect((await emulator.billing(apiKey)).totals.requests).toBe(output.length);
    await emulator.removeProfile(model);
  });

  it.each([
    [
      'a line whose url is not the batch endpoint',
      [chatLine('a', 'gpt-4o-mini', 'x'), { ...chatLine('b', 'gpt-4o-mini', 'y'), url: '/v1/embeddings' }],
      'invalid_url',
      2,
    ],
    ['two models in one file', [chatLine('a', 'gpt-4o-mini', 'x'), chatLine('b', 'gpt-4o', 'y')], 'mismatched_model', 2],
    ['a line that is not JSON', [chatLine('a', 'gpt-4o-mini', 'x'), '{"custom_id": "b", '], 'invalid_json_line', 2],
    ['a duplicate custom_id', [chatLine('a', 'gpt-4o-mini', 'x'), chatLine('a', 'gpt-4o-mini', 'y')], 'duplicate_custom_id', 2],
  ])('fails validation for %s', async (_name, lines, code, line) => {
    const client = emulator.openai(newApiKey('invalid'));
    const fileId = await upload(client, lines);
    const created = await client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const batch = await settle(client, created.id);
    expect(batch.status).toBe('failed');
    expect(batch.failed_at).toEqual(expect.any(Number));
    expect(batch.errors?.data).toEqual([expect.objectContaining({ code, line })]);
    expect(batch.output_file_id).toBeNull();
  });

  it('fails validation above the request limit and on a forced validation failure', async () => {
    const model = 'gpt-5';
    const client = emulator.openai(newApiKey('limits'));
    await emulator.putProfile(model, { batch: { maxRequests: 3 } });
    const tooMany = await client.batches.create({
      input_file_id: await upload(
        client,
        Array.from({ length: 4 }, (_, i) => chatLine(`t-${i}`, model, 'x')),
      ),
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect((await settle(client, tooMany.id)).errors?.data?.[0]?.code).toBe('too_many_requests');

    await emulator.putProfile(model, { faults: { forceValidationFailure: true } });
    const forced = await client.batches.create({
      input_file_id: await upload(client, [chatLine('f', model, 'x')]),
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    expect((await settle(client, forced.id)).status).toBe('failed');
    await emulator.removeProfile(model);
  });

  it('lists batches and files with cursors, and deletes files', async () => {
    const client = emulator.openai(newApiKey('list'));
    const raw = await (await client.batches.list({ limit: 2 }).asResponse()).json();
    assertOpenAISchema('ListBatchesResponse', raw);
    const first = await client.batches.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    expect(first.data[0]?.created_at).toBeGreaterThanOrEqual(first.data[1]?.created_at ?? 0);
    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 3 })) all.push(batch.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all.slice(0, 2)).toEqual(first.data.map((batch) => batch.id));

    const fileId = await upload(client, [chatLine('z', 'gpt-4o-mini', 'x')]);
    const listed = await client.files.list({ purpose: 'batch' });
    expect(listed.data.map((file) => file.id)).toContain(fileId);
    const deleted = await (await client.files.delete(fileId).asResponse()).json();
    assertOpenAISchema('DeleteFileResponse', deleted);
    const gone = await client.files.retrieve(fileId).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    const missingInput = await client.batches
      .create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' })
      .catch((error: unknown) => error);
    expect(missingInput).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
