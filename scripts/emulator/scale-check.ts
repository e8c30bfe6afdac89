/**
 * Runs one OpenAI embeddings batch of N lines (default 1,000,000) through a separately started emulator
 * and reports wall time per phase and the emulator's peak resident memory, to show that uploads, batch
 * processing and downloads stream instead of holding the batch in memory.
 *
 *   npx tsx scripts/emulator/scale-check.ts [--lines 1000000]
 *
 * The provider limits (50,000 lines per batch) are lifted through the emulator's profile for the run.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import OpenAI from 'openai';
import { freePort } from '../stack/process/free.port';

const MODEL = 'text-embedding-3-small';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

/** Peak resident set size of a process, from /proc (Linux). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

async function writeInput(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < lines; i += 1) {
    const line = `{"custom_id":"e-${i}","method":"POST","url":"/v1/embeddings","body":{"model":"${MODEL}","input":"document number ${i} of the corpus","dimensions":16,"encoding_format":"base64"}}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const lines = flag('lines', 1_000_000);
  const scratch = mkdtempSync(join(tmpdir(), 'emulator-scale-'));
  const port = await freePort();
  const profile = {
    default: {
      batch: {
        validationMs: 0,
        finalizingMs: 0,
        turnaround: { distribution: 'fixed', minMs: 0 },
        completionWindowMs: 3_600_000,
        maxRequests: lines,
        maxEmbeddingInputs: lines,
        maxInputBytes: 2 ** 31,
      },
    },
  };
  const emulator = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'run-emulator.ts')], {
    env: {
      ...process.env,
      EMULATOR_PORT: String(port),
      EMULATOR_DATA_DIR: join(scratch, 'data'),
      EMULATOR_PROFILE: JSON.stringify(profile),
      LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });
  const phases: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await work();
    phases[name] = Date.now() - started;
    process.stderr.write(`${name}: ${phases[name]} ms, emulator peak RSS ${peakRssMb(emulator.pid as number)} MB\n`);
    return result;
  };
  try {
    const client = new OpenAI({ apiKey: 'sk-scale', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0, timeout: 3_600_000 });
    for (let ready = false; !ready;) {
      ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const inputPath = join(scratch, 'input.jsonl');
    await timed('write input', () => writeInput(inputPath, lines));
    const file = await timed('upload', () => client.files.create({ file: createReadStream(inputPath), purpose: 'batch' }));
    const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    const batch = await timed('batch run', async () => {
      for (;;) {
        const current = await client.batches.retrieve(created.id);
        if (['completed', 'failed', 'expired', 'cancelled'].includes(current.status)) return current;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    });
    if (batch.status !== 'completed') throw new Error(`batch ended ${batch.status}: ${JSON.stringify(batch.errors)}`);
    const outputLines = await timed('download', async () => {
      const response = await client.files.content(batch.output_file_id as string);
      let count = 0;
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      for await (const line of createInterface({ input: body, crlfDelay: Infinity })) if (line) count += 1;
      return count;
    });
    const report = {
      lines,
      inputBytes: statSync(inputPath).size,
      status: batch.status,
      requestCounts: batch.request_counts,
      outputLines,
      phasesMs: phases,
      emulatorPeakRssMb: peakRssMb(emulator.pid as number),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (outputLines !== lines) process.exitCode = 1;
  } finally {
    emulator.kill('SIGTERM');
    await once(emulator, 'exit');
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
