import { Topics } from '@sluice/contracts';
import { maintenanceUrl } from '@sluice/ledger';
import { badInputCorpus } from '@sluice/testing';
import { Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { ensureKafka } from '../../scripts/stack/kafka/kafka.stack';
import { StackConfig } from '../../scripts/stack/stack.config';
import { bringDown } from '../../scripts/stack/stack.down';
import { withStackLock } from '../../scripts/stack/state/stack.lock';
import { CHAT_MODEL, EMBEDDING_MODEL, SluiceHarness } from '../../test/e2e/support';
import type { FaultStep } from './chaos.plan';
import type { ServiceRestarter } from './service.restarter';

export interface FaultContext {
  h: SluiceHarness;
  stack: StackConfig;
  /** The server the run's database lives on (the harness made the database itself). */
  serverUrl: string;
  databaseName: string;
  restarter: ServiceRestarter;
  producer: Producer;
  /** The step's tenant, and the run name of its corpus cases (ids `<corpusRun>-<kind>`). */
  tenant: string;
  corpusRun: string;
  say: (line: string) => void;
}

/** When the fault began, and when it was over (service back, database open, broker answering). */
export interface FaultWindow {
  start: number;
  end: number;
  note: string;
  /** Corpus cases the broker itself refused (a message over its size limit), with its error. */
  produceRefused?: Array<{ kind: string; error: string }>;
}

const RESTART_TIMEOUT_MS = 660_000;

async function withAdmin<T>(serverUrl: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: maintenanceUrl(serverUrl), application_name: 'sluice-bench-chaos', connectionTimeoutMillis: 5_000 });
  // A broken connection fails the statement in flight; unheard, its 'error' event would end the bench.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The run's database refuses connections and loses the ones it had, for `outageMs`; then it takes them again. */
async function databaseOutage(ctx: FaultContext, outageMs: number): Promise<FaultWindow> {
  // Only a database the harness made for this run: the shared `sluice` database is other people's.
  if (!ctx.databaseName.startsWith('sluice_test_')) throw new Error(`refusing to close database ${ctx.databaseName}: not a per-run database`);
  const start = Date.now();
  let terminated = 0;
  try {
    await withAdmin(ctx.serverUrl, async (client) => {
      await client.query(`alter database ${quoted(ctx.databaseName)} allow_connections false`);
      const { rows } = await client.query<{ terminated: boolean }>(
        'select pg_terminate_backend(pid) as terminated from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [ctx.databaseName],
      );
      terminated = rows.filter((row) => row.terminated).length;
    });
    ctx.say(`database ${ctx.databaseName} refuses connections; ${terminated} backends terminated; open again in ${outageMs / 1000} s`);
    await sleep(Math.max(0, start + outageMs - Date.now()));
  } finally {
    await withAdmin(ctx.serverUrl, (client) => client.query(`alter database ${quoted(ctx.databaseName)} allow_connections true`));
  }
  return { start, end: Date.now(), note: `${terminated} backends terminated` };
}

/** The bench's broker stopped as `npm run stack:down` stops it, and started again as `stack:up` does, broker only. */
async function brokerOutage(ctx: FaultContext, downMs: number): Promise<FaultWindow> {
  const start = Date.now();
  const stopped = await bringDown(ctx.stack, { kafka: true, postgres: false });
  if (stopped.kafka === 'not-running') throw new Error(`no broker of ${ctx.stack.stateDir} runs at ${ctx.stack.kafkaBrokers}: the bench stops only its own`);
  ctx.say(
    `broker at ${ctx.stack.kafkaBrokers} ${stopped.kafka} after ${Math.round((Date.now() - start) / 100) / 10} s; starting it again in ${downMs / 1000} s`,
  );
  await sleep(Math.max(0, start + downMs - Date.now()));
  const restartAt = Date.now();
  const ready = await withStackLock(ctx.stack.stateDir, () => ensureKafka(ctx.stack, { fresh: false, readyTimeoutMs: 120_000, log: ctx.say }));
  return { start, end: Date.now(), note: `broker ${stopped.kafka}; restarted (${ready.origin}) in ${Math.round((Date.now() - restartAt) / 100) / 10} s` };
}

/** SIGKILL of one process; the restarter starts it again as the supervisor would. The fault is over once it is ready. */
async function killProcess(ctx: FaultContext, id: string): Promise<FaultWindow> {
  const start = Date.now();
  const old = await ctx.h.crash(id);
  ctx.say(`${id} (pid ${old.pid}) killed with SIGKILL`);
  const end = await ctx.restarter.readyAfter(id, start, RESTART_TIMEOUT_MS);
  return { start, end, note: `ready again ${Math.round((end - start) / 100) / 10} s after the kill` };
}

/**
 * For `faultMs` the emulator answers 20 % of chat calls with 429, 10 % with 500 and holds 5 % without
 * an answer (dropped after 5 s), and every batch of the embedding model expires once half its lines ran.
 */
async function providerFaults(ctx: FaultContext, faultMs: number): Promise<FaultWindow> {
  const start = Date.now();
  try {
    await ctx.h.emulator.setProfile(CHAT_MODEL, { faults: { rate429: 0.2, rate500: 0.1, rateTimeout: 0.05, timeoutMs: 5_000 } });
    await ctx.h.emulator.setProfile(EMBEDDING_MODEL, { faults: { forceExpire: true, expireAfterFraction: 0.5 } });
    ctx.say(`emulator: ${CHAT_MODEL} 20 % 429, 10 % 500, 5 % timeouts; ${EMBEDDING_MODEL} batches expire half done; for ${faultMs / 1000} s`);
    await sleep(Math.max(0, start + faultMs - Date.now()));
  } finally {
    await ctx.h.emulator.removeProfile(CHAT_MODEL);
    await ctx.h.emulator.removeProfile(EMBEDDING_MODEL);
  }
  const stats = await ctx.h.emulator.faults();
  const injected = Object.entries(stats.injected)
    .map(([model, counts]) => `${model}: ${counts['429']} × 429, ${counts['500']} × 500, ${counts.timeout} timeouts`)
    .join('; ');
  return { start, end: Date.now(), note: `injected so far: ${injected || 'none'}` };
}

/**
 * Every kind of the bad-input corpus produced to sluice.requests.v1 amid the load, each in a send of
 * its own (after the valid request it conflicts with, when it has one, on the same key and so the
 * same partition), so the broker refusing one (over its size limit) does not keep the others back.
 */
async function badInput(ctx: FaultContext): Promise<FaultWindow> {
  const start = Date.now();
  const cases = badInputCorpus(ctx.corpusRun, { tenant: ctx.tenant });
  const produceRefused: Array<{ kind: string; error: string }> = [];
  for (const item of cases) {
    const messages = [...(item.setup === undefined ? [] : [item.setup]), { key: item.key, value: item.value, headers: item.headers }];
    try {
      await ctx.producer.send({ topic: Topics.Requests, acks: -1, messages });
    } catch (error) {
      produceRefused.push({ kind: item.kind, error: (error as Error).message });
    }
  }
  return { start, end: Date.now(), note: `${cases.length} kinds produced, ${produceRefused.length} refused by the broker`, produceRefused };
}

export function injectFault(ctx: FaultContext, fault: FaultStep): Promise<FaultWindow> {
  switch (fault.kind) {
    case 'db':
      return databaseOutage(ctx, fault.outageMs);
    case 'broker':
      return brokerOutage(ctx, fault.downMs);
    case 'kill':
      return killProcess(ctx, fault.process);
    case 'provider':
      return providerFaults(ctx, fault.faultMs);
    case 'corpus':
      return badInput(ctx);
  }
}
