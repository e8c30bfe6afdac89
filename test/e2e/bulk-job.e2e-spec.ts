import { InferenceResultV1, validateMessage } from '@sluice/contracts';
import { randomTenant } from '@sluice/testing';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EMBEDDING_MODEL, SluiceHarness, batchLines, ledgerBatches } from './support';

const MINUTE = 60_000;
const REPO_ROOT = resolve(__dirname, '..', '..');

/** `npx sluice ...` from the repository root, as a user runs it after npm ci. */
function sluice(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npx', ['--offline', 'sluice', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SLUICE_API_KEY: '', SLUICE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, reject) => {
    child.once('error', reject);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * A bulk job end to end: a JSONL file of embedding requests submitted with `npx sluice submit
 * --deadline 24h` goes through ingestion, the router and the batch lane into one provider batch, and
 * the CLI writes one result per line, in line order, at the batch price; the costs endpoint agrees
 * with what the emulator billed.
 */
describe('bulk job through the CLI and the batch lane', () => {
  let h: SluiceHarness;
  let dir: string;

  beforeAll(async () => {
    h = await SluiceHarness.start({
      name: 'bulk-job',
      env: { 'batch-aggregator': { BATCH_WINDOW_MAX_AGE_MS: '10000', BATCH_POLL_MIN_MS: '200', BATCH_POLL_MAX_MS: '1000' } },
    });
    dir = await mkdtemp(join(tmpdir(), 'sluice-bulk-job-'));
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it(
    'answers every line of the file from one provider batch, in line order, and reports its cost',
    async () => {
      const tenant = randomTenant('job');
      const key = await h.ledger.issueApiKey(tenant);
      const lines = Array.from({ length: 300 }, (_, i) => ({
        provider: 'openai',
        operation: 'embedding',
        body: { model: EMBEDDING_MODEL, input: `document ${i} of the corpus (${tenant})` },
      }));
      const input = join(dir, 'requests.jsonl');
      const output = join(dir, 'results.jsonl');
      await writeFile(input, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');

      const run = await sluice(['submit', input, '--deadline', '24h', '--url', h.service('ingestion').url, '--key', key, '--out', output, '--poll', '500ms']);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

      const results = (await readFile(output, 'utf8'))
        .split('\n')
        .filter((text) => text !== '')
        .map((text) => JSON.parse(text) as InferenceResultV1);
      expect(results).toHaveLength(300);
      for (const result of results) {
        expect(validateMessage(InferenceResultV1, result)).toMatchObject({ ok: true });
        expect(result).toMatchObject({ tenant, status: 'succeeded', lane: 'batch', deadlineMet: true });
      }
      const { rows } = await h.ledger.pool.query<{ id: string; job_line: number }>('select id, job_line from requests where tenant = $1 order by job_line', [
        tenant,
      ]);
      expect(results.map((result) => result.id)).toEqual(rows.map((row) => row.id));

      const batches = await ledgerBatches(h, tenant);
      expect(batches).toEqual([expect.objectContaining({ status: 'completed', requestCount: 300, items: { succeeded: 300 } })]);
      const billed = await batchLines(h, new Set(rows.map((row) => row.id)));
      expect(billed).toHaveLength(300);

      const day = new Date().toISOString().slice(0, 10);
      const costs = (await (
        await fetch(`${h.service('ingestion').url}/v1/costs?from=${day}&to=${day}`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as {
        total: { costUsd: number; realtimeCostUsd: number; savedUsd: number; requests: number };
      };
      const billedUsd = billed.reduce((sum, line) => sum + line.costUsd, 0);
      expect(costs.total.requests).toBe(300);
      expect(costs.total.costUsd).toBeCloseTo(billedUsd, 9);
      expect(costs.total.savedUsd).toBeCloseTo(costs.total.realtimeCostUsd - costs.total.costUsd, 9);
      expect(costs.total.savedUsd).toBeGreaterThan(0);
    },
    6 * MINUTE,
  );
});
