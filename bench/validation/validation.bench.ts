/**
 * validateMessage per contract: the compiled check (what validateMessage does now) against
 * class-validator alone (plainToInstance + validateSync, what it did before), in one run.
 *
 *   npx tsx bench/validation/validation.bench.ts [--messages 5000] [--rounds 5]
 *
 * Each contract gets `messages` distinct valid messages, each parsed from its own JSON text as a
 * consumer would, and one invalid variant (which takes the compiled check and then class-validator).
 * Rounds alternate old and new so that noise from other work on the machine falls on both; per
 * message times are taken one call at a time, and the median of the rounds' medians is reported,
 * beside CPU time per message (less sensitive to a busy machine than wall time). Results go to
 * bench/results/validation.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AcceptedRequestV1, InferenceRequestV1, InferenceResultV1, LaneRequestV1, LifecycleEventV1, StreamChunkV1, validateMessage } from '@sluice/contracts';
import {
  sampleAccepted,
  sampleEvent,
  sampleFailedResult,
  sampleLaneRequest,
  sampleRequest,
  sampleResult,
  sampleStreamChunk,
} from '@sluice/contracts/testing/message.samples';
import { classValidatorOutcome } from '@sluice/contracts/validation/class-validator.check';

type Plain = Record<string, unknown>;

interface Contract {
  name: string;
  cls: new () => object;
  /** The i-th valid message. */
  valid: (i: number) => Plain;
  invalid: Plain;
}

const instant = (i: number): string => new Date(Date.UTC(2030, 0, 1) + i * 1000).toISOString();

const CONTRACTS: Contract[] = [
  {
    name: 'request',
    cls: InferenceRequestV1,
    valid: (i) => sampleRequest({ id: `req-${i}`, deadline: instant(i + 86_400), notBefore: instant(i) }),
    invalid: sampleRequest({ tenant: 'Acme' }),
  },
  {
    name: 'request (minimal)',
    cls: InferenceRequestV1,
    valid: (i) => ({
      tenant: 'acme',
      provider: 'openai',
      operation: 'embedding',
      body: { model: 'text-embedding-3-small', input: `text ${i}` },
      maxLatencyMs: 60_000,
    }),
    invalid: { tenant: 'acme', provider: 'openai', operation: 'embedding', body: { input: 'x' } },
  },
  {
    name: 'accepted',
    cls: AcceptedRequestV1,
    valid: (i) => sampleAccepted({ request: sampleRequest({ id: `req-${i}` }), receivedAt: instant(i) }),
    invalid: sampleAccepted({ source: 'ftp' }),
  },
  {
    name: 'lane request',
    cls: LaneRequestV1,
    valid: (i) => sampleLaneRequest({ request: sampleRequest({ id: `req-${i}` }), receivedAt: instant(i) }),
    invalid: sampleLaneRequest({ routing: { lane: 'slow' } }),
  },
  {
    name: 'result',
    cls: InferenceResultV1,
    valid: (i) => sampleResult({ id: `req-${i}`, resultId: `acme.req-${i}.batch.1` }),
    invalid: sampleResult({ usage: { inputTokens: -1, outputTokens: 0 } }),
  },
  {
    name: 'result (failed)',
    cls: InferenceResultV1,
    valid: (i) => sampleFailedResult({ id: `req-${i}`, resultId: `acme.req-${i}.realtime.1` }),
    invalid: sampleFailedResult({ error: undefined }),
  },
  {
    name: 'event',
    cls: LifecycleEventV1,
    valid: (i) => sampleEvent({ eventId: `acme.req-${i}.routed`, requestId: `req-${i}`, at: instant(i) }),
    invalid: sampleEvent({ type: 'progress' }),
  },
  {
    name: 'stream chunk',
    cls: StreamChunkV1,
    valid: (i) => sampleStreamChunk({ requestId: `req-${i}`, seq: i, at: instant(i) }),
    invalid: sampleStreamChunk({ seq: -1 }),
  },
];

type Validate = (cls: new () => object, plain: Plain) => { ok: boolean };

const PATHS: Record<'old' | 'new', Validate> = {
  old: (cls, plain) => classValidatorOutcome(cls, plain),
  new: (cls, plain) => validateMessage(cls, plain),
};

interface Round {
  medianUs: number;
  p99Us: number;
  cpuUs: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function round(validate: Validate, cls: new () => object, messages: readonly Plain[], expectOk: boolean): Round {
  const times = new Float64Array(messages.length);
  const cpu = process.cpuUsage();
  for (let i = 0; i < messages.length; i++) {
    const started = process.hrtime.bigint();
    const outcome = validate(cls, messages[i]);
    times[i] = Number(process.hrtime.bigint() - started) / 1000;
    if (outcome.ok !== expectOk) throw new Error(`${cls.name}: message ${i} was ${outcome.ok ? 'accepted' : 'refused'}`);
  }
  const used = process.cpuUsage(cpu);
  const sorted = [...times].sort((a, b) => a - b);
  return { medianUs: quantile(sorted, 0.5), p99Us: quantile(sorted, 0.99), cpuUs: (used.user + used.system) / messages.length };
}

function summary(rounds: readonly Round[]): Round {
  return { medianUs: median(rounds.map((r) => r.medianUs)), p99Us: median(rounds.map((r) => r.p99Us)), cpuUs: median(rounds.map((r) => r.cpuUs)) };
}

const parsed = (plain: Plain): Plain => JSON.parse(JSON.stringify(plain)) as Plain;
const fixed = (n: number): string => n.toFixed(1).padStart(7);

function main(): void {
  const { values } = parseArgs({ options: { messages: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '5' } } });
  const count = Number(values.messages);
  const rounds = Number(values.rounds);
  const rows: Record<string, unknown>[] = [];
  console.log(
    `validateMessage, µs per message (median of ${rounds} rounds; ${count} messages each; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`,
  );
  console.log(
    `${'contract'.padEnd(18)} ${'old p50'.padStart(7)} ${'new p50'.padStart(7)} ${'old p99'.padStart(7)} ${'new p99'.padStart(7)} ${'old cpu'.padStart(7)} ${'new cpu'.padStart(7)}  speed-up (p50)  invalid old/new p50  compile ms`,
  );
  for (const contract of CONTRACTS) {
    const valid = Array.from({ length: count }, (_, i) => parsed(contract.valid(i)));
    const invalid = Array.from({ length: Math.min(count, 1000) }, () => parsed(contract.invalid));
    const compileStarted = process.hrtime.bigint();
    validateMessage(contract.cls, valid[0]);
    const compileMs = Number(process.hrtime.bigint() - compileStarted) / 1e6;
    const results: Record<'old' | 'new', { valid: Round[]; invalid: Round[] }> = { old: { valid: [], invalid: [] }, new: { valid: [], invalid: [] } };
    // A warm-up round each, not counted, so both run optimised code.
    const order: Array<'old' | 'new'> = ['old', 'new'];
    for (const path of order) round(PATHS[path], contract.cls, valid.slice(0, 1000), true);
    for (let r = 0; r < rounds; r++) {
      for (const path of r % 2 === 0 ? order : [...order].reverse()) {
        results[path].valid.push(round(PATHS[path], contract.cls, valid, true));
        results[path].invalid.push(round(PATHS[path], contract.cls, invalid, false));
      }
    }
    const [oldValid, newValid] = [summary(results.old.valid), summary(results.new.valid)];
    const [oldInvalid, newInvalid] = [summary(results.old.invalid), summary(results.new.invalid)];
    const speedUp = oldValid.medianUs / newValid.medianUs;
    console.log(
      `${contract.name.padEnd(18)} ${fixed(oldValid.medianUs)} ${fixed(newValid.medianUs)} ${fixed(oldValid.p99Us)} ${fixed(newValid.p99Us)} ${fixed(oldValid.cpuUs)} ${fixed(newValid.cpuUs)}  ${`${speedUp.toFixed(1)}x`.padStart(14)}  ${fixed(oldInvalid.medianUs)} /${fixed(newInvalid.medianUs)}  ${fixed(compileMs)}`,
    );
    rows.push({
      contract: contract.name,
      class: contract.cls.name,
      valid: { old: oldValid, new: newValid, speedUp },
      invalid: { old: oldInvalid, new: newInvalid },
      firstCallMs: compileMs,
    });
  }
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const result = {
    benchmark: 'validation',
    date: new Date().toISOString(),
    environment: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage1m: loadavg()[0] },
    options: { messages: count, rounds },
    unit: 'µs per message; p50/p99 of single calls, cpu = process CPU time / messages; median over rounds',
    baseline: 'class-validator alone: plainToInstance + validateSync (validateMessage before the compiled check)',
    contracts: rows,
  };
  writeFileSync(join(dir, 'validation.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten to bench/results/validation.json`);
}

main();
