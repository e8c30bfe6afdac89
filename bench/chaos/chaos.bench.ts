import { Topics } from '@sluice/contracts';
import { databaseName } from '@sluice/ledger';
import { badInputCorpus, randomGroupId, randomTenant, waitFor } from '@sluice/testing';
import { Producer } from 'kafkajs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT, resolveStackConfig } from '../../scripts/stack/stack.config';
import { bringDown } from '../../scripts/stack/stack.down';
import { bringUp } from '../../scripts/stack/stack.up';
import { SluiceHarness, chatRequest, embeddingRequest } from '../../test/e2e/support';
import type { BillingRecord } from '../../test/e2e/support/emulator.admin';
import { benchEnvironment } from '../bench.environment';
import { runSteadyLoad } from '../realtime/steady.load';
import { KeyedMessage, KeyedReader, quietKafka } from '../support/keyed.reader';
import { CHAOS_USAGE, ChaosOptions, parseChaosOptions } from './chaos.options';
import { PlannedStep, chaosSchedule, plannedRequest } from './chaos.plan';
import { BookedRow, ExtraSpendRow, ReadMessage, SentRequest, StepFigures, stepVerdict, tallyStep } from './chaos.tally';
import { FaultWindow, injectFault } from './fault.injectors';
import { CorpusFigures, Refusal, tallyCorpus } from './corpus.tally';
import { RestartRecord, ServiceRestarter } from './service.restarter';

const RESULTS_FILE = join(__dirname, '..', 'results', 'chaos.json');
const READY_TIMEOUT_MS = 600_000;
/** How long a step waits, after its last answer, for the run's consumer groups to commit: bookings land before the ledger is read. */
const QUIESCE_MS = 120_000;
// A realtime call's deadline, the notifier's sweep grace and interval, with room to spare.
const OPEN_CALLS_WAIT_MS = 150_000;
/** Batch windows close after 10 s instead of a minute, so a step's batch requests are answered within its drain. */
const BATCH_WINDOW_MS = '10000';

const say = (line: string): void => console.log(`bench chaos: ${new Date().toISOString().slice(11, 19)} ${line}`);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** What the bench read of one step's requests, by topic. */
interface StepReads {
  replies: ReadMessage[];
  results: ReadMessage[];
  /** Refusals only: `rejected` and `failed` events. */
  events: Array<{ key: string; type: string; code: string; field?: string }>;
  dlq: Array<ReadMessage & { code: string }>;
}

interface StepReport {
  label: string;
  kind: string;
  tenant: string;
  window: { leadS: number; faultS: number; tailS: number; note: string };
  loadMaxScheduleLagMs: number;
  figures: StepFigures;
  corpus?: CorpusFigures & { produceRefused: FaultWindow['produceRefused'] };
  dlqCodes: Record<string, number>;
  /** Process exits the bench restarted during the step (beyond the one it killed). */
  restarts: RestartRecord[];
  quiesced: boolean;
  verdict: { pass: boolean; failures: string[] };
}

/** A lifecycle event's type and, for a refusal, its error code and field. */
function eventOf(value: Buffer | null): { type: string; code: string; field?: string } {
  try {
    const event = JSON.parse(value?.toString('utf8') ?? '{}') as { type?: unknown; error?: { code?: unknown; field?: unknown } };
    return {
      type: typeof event.type === 'string' ? event.type : 'unknown',
      code: typeof event.error?.code === 'string' ? event.error.code : '',
      ...(typeof event.error?.field === 'string' && { field: event.error.field }),
    };
  } catch {
    return { type: 'unparseable', code: '' };
  }
}

function statusOf(value: Buffer | null): string {
  try {
    const parsed = JSON.parse(value?.toString('utf8') ?? '{}') as { status?: unknown };
    return typeof parsed.status === 'string' ? parsed.status : 'unknown';
  } catch {
    return 'unparseable';
  }
}

/** Retries a ledger read while the database is still coming back. */
async function readLedger<T>(read: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 30; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      lastError = error;
      await sleep(1000);
    }
  }
  throw lastError;
}

const METHOD = {
  stack:
    "the bench's own broker (--brokers, started from --state-dir as npm run stack:up does) and a database of the run's own on the local PostgreSQL server; the shared broker and the shared sluice database are never touched",
  services:
    "the five apps with bulk work apart (ingestion-bulk, router-bulk), as npm run up runs them, and the provider emulator, started by the e2e harness on free ports; BATCH_WINDOW_MAX_AGE_MS=10000 so batches close within a step. A process that exits is started again by the bench with the supervisor's restart policy (scripts/up/supervisor/restart.policy.ts: 1 s doubling to 30 s), same environment, port and log",
  load: 'open loop at --rate: of every 20 requests 12 realtime chat, 5 async chat, 3 batch embeddings, the 20th repeating the body of the 19th (5 % identical bodies); produced to sluice.requests.v1 with acks=all, each with a replyTo topic of the run; --lead s before each fault, --tail s after it ended',
  counting:
    "by the bench alone: results read by key off the reply topic (what the tenant gets), sluice.results.v1 and sluice.dlq.v1; the request_results and extra_spend rows of the step's tenant (every provider answer Sluice booked, and the calls booked apart: second calls for one result, calls a crash left unanswered), read once none of its written-ahead provider calls is open (answered or swept) or 150 s passed; the emulator's bill for the run's API key (GET /_emulator/billing) before and after the step",
  figures:
    'answered exactly once = one reply; lost = no reply by the end of the drain; double-booked = more than one booked provider answer, except a batch request escalated to realtime (batch + realtime, billed twice by design); billed vs booked = emulator calls and batch lines against succeeded request_results rows off the cache lane plus extra_spend rows, and their dollars; recovery = fault end to the first reply of a request sent after the fault began (negative: answered during the fault) and to the last reply of those sent during it; deadline attainment = successful replies read by their deadline, over the requests whose deadline does not fall between the fault start and its end plus --grace',
};

export async function runChaosBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(CHAOS_USAGE);
    return;
  }
  const options: ChaosOptions = parseChaosOptions(argv);
  const schedule = chaosSchedule(options);
  const loadBefore = os.loadavg();
  const started = new Date();

  // The bench's own stack: it stops this broker and closes its database, so never the shared ones.
  process.env.KAFKA_BROKERS = options.brokers;
  process.env.SLUICE_STATE_DIR = options.stateDir;
  const stack = resolveStackConfig(process.env, REPO_ROOT);
  say(`bringing up the bench's own stack: broker ${options.brokers}, state ${options.stateDir} (npm run stack:up with these)`);
  const up = await bringUp(stack, { log: say });
  const brokerStartedByUs = up.kafka.origin === 'started' || up.kafka.origin === 'ours';
  if (!brokerStartedByUs)
    throw new Error(`a broker not started from ${options.stateDir} answers at ${options.brokers}: the bench stops only a broker of its own`);
  process.env.DATABASE_URL = up.postgres.url;
  const serverUrl = up.postgres.url;

  say('starting the five Sluice services (bulk work apart, as npm run up runs them) and the provider emulator');
  const h = await SluiceHarness.start({
    name: 'bench-chaos',
    tap: false,
    bulkApart: true,
    readyTimeoutMs: READY_TIMEOUT_MS,
    env: { 'batch-aggregator': { BATCH_WINDOW_MAX_AGE_MS: BATCH_WINDOW_MS } },
  });
  const restarter = new ServiceRestarter(h, say);
  const run = `chaos${Date.now().toString(36)}`;
  const reads = new Map<number, StepReads>();
  const readsOf = (step: number): StepReads => {
    let found = reads.get(step);
    if (found === undefined) {
      found = { replies: [], results: [], events: [], dlq: [] };
      reads.set(step, found);
    }
    return found;
  };
  const stepOfKey = (key: string): number => Number(key.slice(run.length + 1).split('-')[0]);
  const readers: KeyedReader[] = [];
  let producer: Producer | undefined;
  const reports: StepReport[] = [];
  let runError: string | undefined;
  /** Written after every step (`complete: false`) and at the end: a run cut short still leaves the steps it measured. */
  const writeReport = (finished: boolean): string[] => {
    const failures = reports.flatMap((report) => report.verdict.failures.map((failure) => `${report.label}: ${failure}`));
    if (runError !== undefined) failures.push(`the run stopped after ${reports.length} of ${schedule.length} steps: ${runError.split('\n')[0]}`);
    const report = {
      bench: 'chaos',
      date: started.toISOString(),
      finishedAt: new Date().toISOString(),
      config: options,
      method: METHOD,
      environment: benchEnvironment(loadBefore),
      complete: finished && runError === undefined && reports.length === schedule.length,
      stepsPlanned: schedule.map((step) => step.fault.label),
      runLogs: h.runDir,
      steps: reports,
      verdict: { pass: failures.length === 0, failures },
    };
    mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    return failures;
  };
  try {
    const database = await readLedger(() => h.ledger.pool.query<{ name: string }>('select current_database() as name'));
    const dbName = database.rows[0]?.name ?? databaseName(serverUrl);
    const replyTopic = await h.createTopic('chaos-reply', 3);
    const kafka = quietKafka(options.brokers, `bench-chaos-${run}`);
    const onMessage = (message: KeyedMessage): void => {
      const ref = message.correlationId ?? message.key;
      const into = readsOf(stepOfKey(ref));
      const read: ReadMessage = { id: ref, status: statusOf(message.value), readAt: message.readAt };
      if (message.topic === replyTopic) into.replies.push(read);
      else if (message.topic === Topics.Results) into.results.push(read);
      else if (message.topic === Topics.Events) {
        const event = eventOf(message.value);
        if (event.type === 'rejected' || event.type === 'failed') into.events.push({ key: ref, ...event });
      } else into.dlq.push({ ...read, code: message.headers?.['x-sluice-error-code']?.toString() ?? 'unknown' });
    };
    // Sluice's topics from their current end; the reply topic, the run's own, from its beginning.
    readers.push(
      await KeyedReader.open(kafka, {
        groupId: randomGroupId('bench-chaos'),
        topics: [Topics.Results, Topics.Events, Topics.Dlq],
        fromEnd: true,
        keyPrefix: `${run}-`,
        byCorrelation: true,
        onMessage,
      }),
    );
    readers.push(
      await KeyedReader.open(kafka, { groupId: randomGroupId('bench-chaos-reply'), topics: [replyTopic], fromEnd: false, keyPrefix: `${run}-`, onMessage }),
    );
    // Long retries: a send waits out the broker's restart rather than giving up on it.
    producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 12, maxRetryTime: 10_000 } });
    await producer.connect();
    restarter.start();
    say(`services ready (logs: ${h.runDir}); database ${dbName}; ${schedule.length} steps at ${options.rate} req/s`);

    for (const [stepIndex, step] of schedule.entries()) {
      reports.push(await runStep({ h, options, step, stepIndex, run, replyTopic, producer, reads: readsOf(stepIndex), restarter, stack, serverUrl, dbName }));
      writeReport(false);
    }
  } catch (error) {
    // The steps measured so far are still written, with what stopped the run.
    runError = (error as Error).stack ?? String(error);
    say(`the run stopped: ${runError}`);
  } finally {
    restarter.stop();
    for (const reader of readers) await reader.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await h.stop().catch((error: Error) => say(`harness did not stop cleanly: ${error.message}`));
    if (up.kafka.origin === 'started') await bringDown(stack, { kafka: true, postgres: false }).catch(() => undefined);
  }

  const failures = writeReport(true);
  say(
    `${failures.length === 0 ? 'every step passed' : `${failures.length} failures:\n  ${failures.join('\n  ')}`}\nwritten to ${relative(REPO_ROOT, RESULTS_FILE)}`,
  );
}

interface StepContext {
  h: SluiceHarness;
  options: ChaosOptions;
  step: PlannedStep;
  stepIndex: number;
  run: string;
  replyTopic: string;
  producer: Producer;
  reads: StepReads;
  restarter: ServiceRestarter;
  stack: ReturnType<typeof resolveStackConfig>;
  serverUrl: string;
  dbName: string;
}

function buildRequest(
  ctx: StepContext,
  tenant: string,
  index: number,
  prompts: Map<number, string>,
): { request: Record<string, unknown>; sent: Omit<SentRequest, 'sentAt'> } {
  const { options, run, stepIndex, replyTopic } = ctx;
  const planned = plannedRequest(index);
  const id = `${run}-${stepIndex}-${index}`;
  const text = planned.sameBodyAs === undefined ? `chaos ${id}` : (prompts.get(planned.sameBodyAs) ?? `chaos ${id}`);
  prompts.set(index, text);
  prompts.delete(index - 20);
  const deadlineS = planned.kind === 'realtime' ? options.realtimeDeadlineS : planned.kind === 'async' ? options.asyncDeadlineS : options.batchDeadlineS;
  const deadlineAt = Date.now() + deadlineS * 1000;
  const request =
    planned.kind === 'batch'
      ? { ...embeddingRequest(tenant, deadlineS * 1000, { id, input: text }), replyTo: replyTopic }
      : chatRequest(tenant, {
          id,
          prompt: text,
          exactPrompt: true,
          outputTokens: 16,
          extra: { mode: planned.kind, deadline: new Date(deadlineAt).toISOString(), replyTo: replyTopic },
        });
  return { request, sent: { id, kind: planned.kind, deadlineAt } };
}

async function runStep(ctx: StepContext): Promise<StepReport> {
  const { h, options, step, reads, restarter } = ctx;
  const label = step.fault.label;
  const tenant = randomTenant(`chaos-${ctx.stepIndex}`);
  const corpusRun = `${ctx.run}-${ctx.stepIndex}`;
  const billedBefore = (await h.emulator.billing(h.providerKeys.openai)).totals;
  const stepStartedAt = new Date().toISOString();
  const restartsBefore = restarter.restarts.length;
  const sent: SentRequest[] = [];
  let produceFailed = 0;
  const prompts = new Map<number, string>();
  const stopLoad = new AbortController();
  say(`${label}: ${seconds(step.leadMs)} s of load, then the fault, then ${seconds(step.tailMs)} s of load`);
  const load = runSteadyLoad({
    ratePerSecond: options.rate,
    durationMs: 24 * 3600 * 1000,
    signal: stopLoad.signal,
    send: async (index) => {
      const { request, sent: entry } = buildRequest(ctx, tenant, index, prompts);
      const sentAt = Date.now();
      try {
        await ctx.producer.send({ topic: Topics.Requests, acks: -1, messages: [{ key: entry.id, value: JSON.stringify(request) }] });
        sent.push({ ...entry, sentAt });
      } catch (error) {
        produceFailed += 1;
        throw error;
      }
    },
  });
  const ticker = setInterval(() => {
    const answered = new Set(reads.replies.map((reply) => reply.id)).size;
    say(`${label}: ${sent.length} sent, ${answered} answered, ${produceFailed} sends failed`);
  }, 10_000);
  let window: FaultWindow;
  let faultError: string | undefined;
  let loadOutcome: Awaited<typeof load>;
  try {
    await sleep(step.leadMs);
    const faultStart = Date.now();
    window = await injectFault(
      {
        h,
        stack: ctx.stack,
        serverUrl: ctx.serverUrl,
        databaseName: ctx.dbName,
        restarter,
        producer: ctx.producer,
        tenant,
        corpusRun,
        say: (line) => say(`${label}: ${line}`),
      },
      step.fault,
    ).catch((error: Error): FaultWindow => {
      // A fault that does not end as planned (a process never ready again) is a finding, not the end of the run.
      faultError = error.message.split('\n')[0];
      say(`${label}: the fault did not end as planned: ${faultError}`);
      return { start: faultStart, end: Date.now(), note: `did not end as planned: ${faultError}` };
    });
    say(`${label}: fault over after ${seconds(window.end - window.start)} s (${window.note})`);
    await sleep(step.tailMs);
  } finally {
    stopLoad.abort();
    loadOutcome = await load;
  }
  say(`${label}: load stopped (${sent.length} sent); waiting up to ${options.drainS} s for their replies`);
  const ids = new Set(sent.map((request) => request.id));
  const missing = (): number => {
    const answered = new Set(reads.replies.map((reply) => reply.id));
    let count = 0;
    for (const id of ids) if (!answered.has(id)) count += 1;
    return count;
  };
  await waitFor(() => missing() === 0, { timeoutMs: options.drainS * 1000, intervalMs: 250, description: 'replies' }).catch(() => undefined);
  clearInterval(ticker);
  const quiesced = await h.quiesce(QUIESCE_MS).then(
    () => true,
    () => false,
  );
  // A call a crash cut off is booked by the notifier's sweep once its expiry and grace are past: the
  // bill is closed when no call of the step's tenant is still open (or the wait gives up, reported).
  const openCalls = async (): Promise<number> => {
    const { rows } = await readLedger(() =>
      h.ledger.pool.query<{ open: string }>('select count(*) as open from provider_calls where tenant = $1 and answered_at is null and swept_at is null', [
        tenant,
      ]),
    );
    return Number(rows[0]?.open ?? 0);
  };
  await waitFor(async () => (await openCalls()) === 0, { timeoutMs: OPEN_CALLS_WAIT_MS, intervalMs: 1_000, description: 'open provider calls' }).catch(
    () => undefined,
  );
  const stillOpen = await openCalls();
  const billedAfter = (await h.emulator.billing(h.providerKeys.openai)).totals;
  const extraSpend = await readLedger(() =>
    h.ledger.pool.query<{ request_id: string; cost_usd: string; swept: boolean }>(
      "select request_id, cost_usd, provider_request_id like 'sluice-call:%' as swept from extra_spend where tenant = $1",
      [tenant],
    ),
  );
  const booked = await readLedger(() =>
    h.ledger.pool.query<{ request_id: string; lane: string; status: string; cost_usd: string }>(
      'select request_id, lane, status, cost_usd from request_results where tenant = $1',
      [tenant],
    ),
  );
  // When the bill and the ledger disagree, the calls billed in the step whose provider id the ledger
  // does not hold (request_results or extra_spend): what was lost, to tell why.
  const unbookedCalls = await (async (): Promise<BillingRecord[] | undefined> => {
    if (
      billedAfter.requests - billedBefore.requests ===
      booked.rows.filter((row) => row.status === 'succeeded' && row.lane !== 'cache').length + extraSpend.rows.length
    ) {
      return undefined;
    }
    const records = (await h.emulator.billingRecords(h.providerKeys.openai)).filter((record) => record.kind === 'call' && record.at >= stepStartedAt);
    const known = await readLedger(() =>
      h.ledger.pool.query<{ id: string }>(
        'select provider_request_id as id from request_results where provider_request_id = any($1) union select provider_request_id from extra_spend where provider_request_id = any($1)',
        [records.map((record) => record.requestId ?? '')],
      ),
    );
    const ids = new Set(known.rows.map((row) => row.id));
    return records.filter((record) => !ids.has(record.requestId ?? '')).slice(0, 20);
  })();
  const figures = tallyStep({
    sent,
    produceFailed,
    replies: reads.replies,
    results: reads.results,
    dlq: reads.dlq,
    booked: booked.rows.map((row): BookedRow => ({ requestId: row.request_id, lane: row.lane, status: row.status, costUsd: Number(row.cost_usd) })),
    extraSpend: extraSpend.rows.map((row): ExtraSpendRow => ({ requestId: row.request_id, costUsd: Number(row.cost_usd), swept: row.swept })),
    openCalls: stillOpen,
    billed: { calls: billedAfter.requests - billedBefore.requests, usd: billedAfter.costUsd - billedBefore.costUsd },
    faultStart: window.start,
    faultEnd: window.end,
    graceMs: options.graceS * 1000,
  });
  const dlqCodes: Record<string, number> = {};
  for (const entry of reads.dlq) dlqCodes[entry.code] = (dlqCodes[entry.code] ?? 0) + 1;
  const verdict = stepVerdict(figures);
  if (faultError !== undefined) {
    verdict.failures.push(`the fault did not end as planned: ${faultError}`);
    verdict.pass = false;
  }
  let corpus: (CorpusFigures & { produceRefused: FaultWindow['produceRefused'] }) | undefined;
  if (step.fault.kind === 'corpus') {
    const refusals: Refusal[] = [
      ...reads.events.map((event): Refusal => ({ key: event.key, via: 'event', code: event.code, ...(event.field !== undefined && { field: event.field }) })),
      ...reads.dlq.map((entry): Refusal => ({ key: entry.id, via: 'dlq', code: entry.code })),
    ];
    const refused = new Set((window.produceRefused ?? []).map((item) => item.kind));
    const cases = badInputCorpus(corpusRun, { tenant }).filter((item) => !refused.has(item.kind));
    corpus = { ...tallyCorpus(cases, refusals), produceRefused: window.produceRefused };
    say(
      `${label}: corpus of ${cases.length + refused.size} kinds: ${refused.size} refused by the broker, ${corpus.asExpected} refused as expected, ` +
        `${corpus.otherwise.length} otherwise (${corpus.otherwise.map((item) => `${item.kind}: ${item.got}`).join('; ')}), ${corpus.unseen.length} unseen (${corpus.unseen.join(', ')})`,
    );
    if (corpus.otherwise.length > 0) verdict.failures.push(`${corpus.otherwise.length} corpus kinds not refused as expected`);
    if (corpus.unseen.length > 0) verdict.failures.push(`${corpus.unseen.length} corpus kinds without any refusal`);
    verdict.pass = verdict.failures.length === 0;
  }
  const restarts = restarter.restarts.slice(restartsBefore);
  say(
    `${label}: ${figures.sent} sent, ${figures.answeredExactlyOnce} answered exactly once, ${figures.lost.count} lost, ` +
      `${figures.doubleBooked.count} double-booked, billed ${figures.billing.billedCalls} / booked ${figures.billing.bookedCalls}, ` +
      `${figures.dlq.count} DLQ, first answer ${figures.recovery.firstAnswerMs ?? '-'} ms after the end, backlog cleared ${figures.recovery.backlogClearedMs ?? '-'} ms, ` +
      `deadlines ${figures.deadline.met}/${figures.deadline.feasible}; ${restarts.length} restarts: ${verdict.pass ? 'PASS' : `FAIL (${verdict.failures.join('; ')})`}`,
  );
  return {
    label,
    kind: step.fault.kind,
    tenant,
    window: { leadS: seconds(step.leadMs), faultS: seconds(window.end - window.start), tailS: seconds(step.tailMs), note: window.note },
    loadMaxScheduleLagMs: loadOutcome.maxLagMs,
    figures,
    ...(corpus !== undefined && { corpus }),
    dlqCodes,
    restarts,
    quiesced,
    ...(unbookedCalls !== undefined && { unbookedCalls }),
    verdict,
  };
}
