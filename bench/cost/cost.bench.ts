import { Topics } from '@sluice/contracts';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SluiceHarness } from '../../test/e2e/support';
import { REPO_ROOT } from '../../scripts/stack/stack.config';
import { benchEnvironment } from '../bench.environment';
import { awaitAnswers } from '../replay/answers.wait';
import { replayPlan, requestRecords } from '../replay/replay.sender';
import { formatDuration } from '../replay/summary.table';
import { BenchProgress } from '../support/bench.progress';
import { loadTrace } from '../workload/trace.files';
import { compressedDayMs } from './cost.deadlines';
import { CostLedger } from './cost.ledger';
import { COST_USAGE, parseCostOptions } from './cost.options';
import { COST_MODELS, planCostWorkload } from './cost.plan';
import { probeRequests } from './cost.probes';
import { ESCALATION_LEAD_MS, EMULATED_BATCH, costSetup } from './cost.setup';
import { CostSummary, summarizeCost } from './cost.summary';
import { LIST_PRICES, LIST_PRICE_SOURCES } from './list.prices';

const RESULTS_FILE = join(__dirname, '..', 'results', 'cost.json');
const MAX_RATIO_TO_ORACLE = 1.1;
/** The rule before expected-cost routing: async past 5 minutes, batch past 6 hours (compressed like everything batch). */
const FIXED_ESTIMATES_REAL_MS = { asyncMs: 5 * 60_000, batchMs: 6 * 3_600_000 };

const say = (line: string): void => console.log(`bench cost: ${line}`);
const usd = (value: number): number => Math.round(value * 1e6) / 1e6;
const round4 = (value: number | null): number | null => (value === null ? null : Math.round(value * 1e4) / 1e4);

function printSummary(summary: CostSummary): void {
  const rows: Array<[string, number, string]> = [
    ['Sluice', summary.sluice.usd, JSON.stringify(summary.sluice.lanes)],
    ['oracle (hindsight)', summary.oracle.usd, JSON.stringify(summary.oracle.lanes)],
    ['fixed-estimate policy', summary.fixedEstimate.usd, JSON.stringify(summary.fixedEstimate.lanes)],
    ['all-realtime', summary.allRealtimeUsd, ''],
  ];
  console.log(['', ...rows.map(([name, cost, lanes]) => `  ${name.padEnd(22)} ${cost.toFixed(6).padStart(11)} USD  ${lanes}`), ''].join('\n'));
  say(
    `escalated: Sluice ${summary.sluice.escalated}, fixed ${summary.fixedEstimate.escalated}; paid twice: Sluice ${summary.sluice.doublePaid}, fixed ${summary.fixedEstimate.doublePaid}`,
  );
  for (const bar of summary.bars) say(`${bar.met ? 'met   ' : 'MISSED'} ${bar.name}: ${bar.figure === null ? 'n/a' : bar.figure.toFixed(4)} (bar ${bar.bar})`);
}

export async function runCostBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(COST_USAGE);
    return;
  }
  const options = parseCostOptions(argv);
  const loadBefore = os.loadavg();
  const started = new Date();
  const dayMs = compressedDayMs(options.compression);
  const trace = loadTrace(options.traceDir);
  const runId = `cost-${Date.now().toString(36)}`;
  const probeTenant = `${runId}-probe`;
  const deadlines = { minMs: options.minDeadlineS * 1000, maxMs: dayMs };
  const plan = planCostWorkload(trace.rows, {
    tenant: runId,
    runId,
    seed: options.seed,
    speed: options.speed,
    ...(options.requests !== undefined && { limit: options.requests }),
    deadlines,
  });
  const spanMs = plan.at(-1)?.sendOffsetMs ?? 0;
  const setup = costSetup(options.compression);
  const fixedEstimates = { asyncMs: FIXED_ESTIMATES_REAL_MS.asyncMs / options.compression, batchMs: FIXED_ESTIMATES_REAL_MS.batchMs / options.compression };

  say(
    `starting the five Sluice services and a private emulator, batches ${options.compression}x faster than the providers (a day in ${formatDuration(dayMs)})`,
  );
  const h = await SluiceHarness.start({ name: 'bench-cost', tap: false, env: setup.env });
  try {
    say(`services ready (logs: ${h.runDir}); tenant ${runId}, probes ${probeTenant}`);
    const foreignConsumers = await h.foreignConsumers();
    if (foreignConsumers.length > 0) say(`warning: other consumers of Sluice's topics run on this broker: ${foreignConsumers.join('; ')}`);
    const ledger = new CostLedger(h.ledger.pool);
    const send = async (requests: ReadonlyArray<{ id: string }>): Promise<void> => {
      await h.producer.send({ topic: Topics.Requests, acks: -1, messages: requestRecords(requests as Parameters<typeof requestRecords>[0]) });
    };

    let probeRound = 0;
    let probing = true;
    const probes = (async () => {
      while (probing) {
        await send(probeRequests(probeTenant, probeRound, Date.now(), dayMs)).catch((error: Error) => say(`a probe send failed: ${error.message}`));
        probeRound += 1;
        await sleep(options.probeEveryS * 1000);
      }
    })();

    say(
      `replaying ${plan.length} chat requests over ${COST_MODELS.map((m) => m.model).join(', ')} with deadlines ${formatDuration(deadlines.minMs)} to ${formatDuration(deadlines.maxMs)}: ${formatDuration(spanMs)} of sending`,
    );
    const progress = new BenchProgress([
      { name: 'sent', total: plan.length },
      { name: 'answered', total: plan.length },
    ]);
    let replay;
    try {
      replay = await replayPlan(plan, { send, onSent: (n) => progress.update('sent', n) });
      await awaitAnswers({
        answered: () => ledger.answered(runId),
        total: plan.length - replay.failed.length,
        untilMs: replay.finishedAtMs + options.waitS * 1000,
        onAnswered: (n) => progress.update('answered', n),
      });
    } finally {
      probing = false;
      progress.stop();
    }
    await probes;
    // Escalated requests' batches may still answer (and be paid for); the probes' batches show the tail.
    const settleUntil = Date.now() + dayMs + 10_000;
    while ((await ledger.openBatches([runId, probeTenant])) > 0 && Date.now() < settleUntil) await sleep(500);
    const openAtEnd = await ledger.openBatches([runId, probeTenant]);

    const expected = new Map(plan.map((p) => [p.request.id, p.expectedUsage]));
    const requests = await ledger.requests(runId, expected);
    const observations = await ledger.observations([runId, probeTenant]);
    const summary = summarizeCost(requests, observations, { fixedEstimates, escalationLeadMs: ESCALATION_LEAD_MS, maxRatioToOracle: MAX_RATIO_TO_ORACLE });
    printSummary(summary);
    const batches = observations.filter((o) => o.lane === 'batch');
    const report = {
      bench: 'cost',
      date: started.toISOString(),
      finishedAt: new Date().toISOString(),
      config: { ...options, traceDir: relative(REPO_ROOT, trace.dir) || trace.dir },
      clock: {
        compression: options.compression,
        compressedDayMs: dayMs,
        deadlineRangeMs: deadlines,
        emulatedBatch: { distribution: 'loglogistic', realMedianMs: EMULATED_BATCH.medianMs, realP99Ms: EMULATED_BATCH.p99Ms, expiresAfterMs: dayMs },
        escalationLeadMs: ESCALATION_LEAD_MS,
        fixedEstimatesMs: fixedEstimates,
        routingPolicy: setup.policy,
        emulatorProfile: setup.emulatorProfile,
      },
      workload: {
        requests: plan.length,
        perModel: Object.fromEntries(COST_MODELS.map(({ model }) => [model, plan.filter((p) => p.request.body.model === model).length])),
        sendSpanS: Math.round(spanMs / 100) / 10,
        probeRounds: probeRound,
      },
      prices: { sources: LIST_PRICE_SOURCES, models: LIST_PRICES },
      method: {
        sluice:
          "every answer a provider produced for the run's requests (request_results), each priced at list for its lane and usage; escalations from the deadline guard's batch items, paid twice = more than one successful answer",
        observed:
          'realtime and async: each answer of a request never batched, arrival to answer; batch: each provider batch of the run or its probes, window close to its last answer on the batch lane; expired, failed or unended batches never delivered. Probes: every model asked by mode for async and batch every probe interval, under their own tenant, left out of all costs',
        oracle:
          'each request in the cheapest lane whose observed turnaround (same provider and model; the batch it would have joined, the nearest answer for realtime and async) met its deadline; realtime when none did (then its deadline is not counted in attainment); a tie goes to the faster lane. Computed here, not with @sluice/routing',
        fixedEstimate: `the old rule (batch past ${FIXED_ESTIMATES_REAL_MS.batchMs / 3_600_000} h, async past ${FIXED_ESTIMATES_REAL_MS.asyncMs / 60_000} min, both compressed) replayed on the observed turnarounds: a lane not answered ${ESCALATION_LEAD_MS} ms before the deadline is escalated to realtime, and paid for too when its answer still comes`,
        allRealtime: 'every request at list price',
        attainment: 'of the deadlines the oracle could meet, the share Sluice answered successfully by the deadline',
      },
      environment: { ...benchEnvironment(loadBefore), foreignConsumers },
      replay: { sent: replay.sent, failedToSend: replay.failed.length, maxScheduleLagMs: replay.maxLagMs, batchesOpenAtEnd: openAtEnd },
      observedBatches: {
        count: batches.length,
        expiredOrFailed: batches.filter((b) => b.endMs === null).length,
        medianMs: (() => {
          const spans = batches
            .filter((b) => b.endMs !== null)
            .map((b) => (b.endMs as number) - b.startMs)
            .sort((a, b) => a - b);
          return spans.length === 0 ? null : spans[Math.floor(spans.length / 2)];
        })(),
      },
      results: {
        requests: summary.requests,
        answered: summary.answered,
        sluice: { ...summary.sluice, usd: usd(summary.sluice.usd) },
        oracle: { ...summary.oracle, usd: usd(summary.oracle.usd) },
        fixedEstimate: { ...summary.fixedEstimate, usd: usd(summary.fixedEstimate.usd) },
        allRealtimeUsd: usd(summary.allRealtimeUsd),
        attainment: { ...summary.attainment, share: round4(summary.attainment.share), missed: summary.attainment.missed.slice(0, 20) },
        ratios: {
          toOracle: round4(summary.ratios.toOracle),
          toAllRealtime: round4(summary.ratios.toAllRealtime),
          toFixedEstimate: round4(summary.ratios.toFixedEstimate),
        },
        bars: summary.bars.map((bar) => ({ ...bar, figure: round4(bar.figure) })),
      },
    };
    mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    say(`written to ${relative(REPO_ROOT, RESULTS_FILE)}`);
    const missed = summary.bars.filter((bar) => !bar.met);
    if (missed.length > 0)
      throw new Error(
        `bars missed (figures written all the same): ${missed.map((bar) => `${bar.name} ${bar.figure?.toFixed(4) ?? 'n/a'}, bar ${bar.bar}`).join('; ')}`,
      );
  } finally {
    await h.stop();
  }
}
