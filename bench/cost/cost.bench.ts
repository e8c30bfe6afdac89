import { Topics } from '@sluice/contracts';
import { PRICING_SOURCE } from '@sluice/providers';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { SluiceHarness } from '../../test/e2e/support';
import { REPO_ROOT } from '../../scripts/stack/stack.config';
import { benchEnvironment } from '../bench.environment';
import { LedgerOutcomes } from '../replay/ledger.outcomes';
import { runReplay } from '../replay/replay.run';
import { requestRecords } from '../replay/replay.sender';
import { ReplaySummary } from '../replay/replay.summary';
import { formatDuration, formatSummary, formatUsd } from '../replay/summary.table';
import { FIXED_ESTIMATES_MS } from '../workload/cost.bounds';
import { readRoutingPolicy } from '../workload/policy.file';
import { CHAT_MODELS, EMBEDDING_MODEL } from '../workload/trace.requests';
import { loadTrace } from '../workload/trace.files';
import { URGENCY, URGENCY_CLASSES, checkClassDeadlines, formatMix } from '../workload/urgency.rule';
import { planWorkload } from '../workload/workload.plan';
import { COST_USAGE, CostBenchOptions, parseCostOptions } from './cost.options';

const RESULTS_FILE = join(__dirname, '..', 'results', 'cost.json');
/** The longest refresh period the router accepts: with it, no learned estimate replaces the policy's during a run shorter than an hour. */
const FROZEN_ESTIMATES_REFRESH_MS = 3_600_000;

const say = (line: string): void => console.log(`bench cost: ${line}`);

function usd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function rounded(value: number | null, digits = 4): number | null {
  return value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
}

/** The figures as JSON: money to a millionth of a dollar, ratios to four places, the unanswered listed up to 20. */
function resultsJson(summary: ReplaySummary, emulatorBilledUsd: number): Record<string, unknown> {
  const { cost } = summary;
  return {
    complete: summary.complete,
    requests: summary.requests,
    answered: summary.answered,
    lanes: summary.lanes.map((lane) => ({ ...lane, billedUsd: usd(lane.billedUsd) })),
    attainment: summary.classes.map((c) => ({ ...c, attainment: rounded(c.attainment) })),
    cost: {
      ...cost,
      sluiceUsd: usd(cost.sluiceUsd),
      allRealtimeUsd: usd(cost.allRealtimeUsd),
      lowerBoundUsd: usd(cost.lowerBoundUsd),
      naiveAllBatch: { ...cost.naiveAllBatch, usd: usd(cost.naiveAllBatch.usd) },
      savedUsd: usd(cost.savedUsd),
      savedPct: rounded(cost.savedPct, 2),
      ratioToLowerBound: rounded(cost.ratioToLowerBound),
      ratioToAllRealtime: rounded(cost.ratioToAllRealtime),
    },
    billedTotalUsd: usd(summary.billedTotalUsd),
    emulatorBilledUsd: usd(emulatorBilledUsd),
    unanswered: { count: summary.unanswered.length, first: summary.unanswered.slice(0, 20) },
  };
}

function method(options: CostBenchOptions): Record<string, string> {
  return {
    workload:
      'each trace row in invocation order becomes one OpenAI request sent at its trace time / speed: chat with a prompt of the recorded context size asking for the recorded output size (conv: ' +
      `${CHAT_MODELS.conv}, code: ${CHAT_MODELS.code}), or for a seeded share of the hours class an embedding (${EMBEDDING_MODEL}) of the context; urgency class by sha256(seed, row) against the mix`,
    deadlines: URGENCY_CLASSES.map(
      (name) => `${name}: ${formatDuration(URGENCY[name].deadlineMs)} after sending${URGENCY[name].stream ? ', streamed' : ''}`,
    ).join('; '),
    system:
      'the five services and a private provider emulator (preset test: batches in about a second) started by the e2e harness on the real broker and database, with consumer groups of their own; requests produced to sluice.requests.v1 (acks=all) under a tenant of this run',
    estimates: options.learnedEstimates
      ? "the router learns lane estimates from the run's completions (its default refresh); the lower bound still uses the policy's estimates, so on the emulator's compressed clock Sluice can come in under it"
      : `the router routes by the policy's lane estimates for the whole run (ROUTER_ESTIMATES_REFRESH_MS=${FROZEN_ESTIMATES_REFRESH_MS}), the same the lower bound uses: on the emulator every lane answers in seconds, so learned estimates would describe the emulator, not the providers`,
    sluice:
      "what the ledger booked for the run's tenant: the lane that delivered each result (completions), every billed result (request_results, an escalated request's second answer included), deadline met as the worker judged it",
    lowerBound:
      "every successfully answered request in the cheapest lane its deadline allows (deadline > the lane's policy estimate; realtime always; streamed requests realtime only), priced from the usage the provider reported with the catalog's costUsd; a tie goes to the faster lane",
    allRealtime: 'the same usage at list price',
    naiveAllBatch: 'the same usage at the batch tier, and the deadlines shorter than the batch estimate, which a batch lane taking its estimate would miss',
    emulatorBilled: "what the private emulator billed to the run's API keys: a cross-check of the ledger's figure",
  };
}

export async function runCostBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(COST_USAGE);
    return;
  }
  const options = parseCostOptions(argv);
  const loadBefore = os.loadavg();
  const started = new Date();
  const { path: policyPath, policy } = readRoutingPolicy(REPO_ROOT);
  checkClassDeadlines(FIXED_ESTIMATES_MS);
  const trace = loadTrace(options.traceDir);
  const runId = `cost-${Date.now().toString(36)}`;
  const plan = planWorkload(trace.rows, {
    tenant: runId,
    runId,
    seed: options.seed,
    mix: options.mix,
    speed: options.speed,
    limit: options.requests,
    embeddingShare: options.embeddingShare,
  });
  const spanMs = plan.at(-1)?.sendOffsetMs ?? 0;
  if (!options.learnedEstimates && spanMs + options.waitS * 1000 > FROZEN_ESTIMATES_REFRESH_MS) {
    say('note: the run may outlast an hour, after which the router refreshes its estimates from the ledger once');
  }
  const perClass = Object.fromEntries(URGENCY_CLASSES.map((name) => [name, plan.filter((p) => p.urgency === name).length]));

  say(`starting the five Sluice services and a private provider emulator${options.learnedEstimates ? '' : " (router on the policy's lane estimates)"}`);
  const h = await SluiceHarness.start({
    name: 'bench-cost',
    tap: false,
    env: options.learnedEstimates ? {} : { router: { ROUTER_ESTIMATES_REFRESH_MS: String(FROZEN_ESTIMATES_REFRESH_MS) } },
  });
  try {
    say(`services ready (logs: ${h.runDir}); tenant ${runId}`);
    // Another copy of Sluice on the broker (npm run up) would handle this run's requests too.
    const foreignConsumers = await h.foreignConsumers();
    if (foreignConsumers.length > 0)
      say(`warning: other consumers of Sluice's topics run on this broker (npm run down stops npm run up's): ${foreignConsumers.join('; ')}`);
    say(
      `replaying ${plan.length} requests (${Object.entries(perClass)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')}) from ${relative(REPO_ROOT, trace.dir) || trace.dir} at ${options.speed}x: ${formatDuration(spanMs)} of sending`,
    );
    const { replay, endedAtMs, summary } = await runReplay(plan, {
      tenant: runId,
      policy,
      ledger: new LedgerOutcomes(h.ledger.pool),
      waitS: options.waitS,
      say,
      send: async (requests) => {
        await h.producer.send({ topic: Topics.Requests, acks: -1, messages: requestRecords(requests) });
      },
    });
    const billing = await Promise.all([h.providerKeys.openai, h.providerKeys.anthropic].map((key) => h.emulator.billing(key)));
    const emulatorBilledUsd = billing.reduce((sum, entry) => sum + entry.totals.costUsd, 0);
    console.log(['', ...formatSummary(summary), ''].join('\n'));
    say(`emulator billed ${formatUsd(emulatorBilledUsd)} USD to this run's keys; the ledger booked ${formatUsd(summary.billedTotalUsd)} USD`);

    const report = {
      bench: 'cost',
      date: started.toISOString(),
      finishedAt: new Date().toISOString(),
      config: { ...options, mix: formatMix(options.mix), traceDir: relative(REPO_ROOT, trace.dir) || trace.dir, policyFile: relative(REPO_ROOT, policyPath) },
      workload: {
        traceRows: trace.rows.length,
        requests: plan.length,
        perClass,
        embeddings: plan.filter((p) => p.request.operation === 'embedding').length,
        sendSpanS: Math.round(spanMs / 100) / 10,
        inputTokens: plan.reduce((sum, p) => sum + p.expectedUsage.inputTokens, 0),
        outputTokens: plan.reduce((sum, p) => sum + p.expectedUsage.outputTokens, 0),
        source: 'Azure LLM inference trace 2023 (Azure Public Dataset, CC BY 4.0; Patel et al., "Splitwise", ISCA 2024)',
      },
      policyEstimatesMs: FIXED_ESTIMATES_MS,
      pricing: PRICING_SOURCE,
      method: method(options),
      environment: { ...benchEnvironment(loadBefore), foreignConsumers },
      replay: {
        sent: replay.sent,
        failedToSend: replay.failed.length,
        maxScheduleLagMs: replay.maxLagMs,
        sendingS: Math.round((replay.finishedAtMs - replay.startedAtMs) / 100) / 10,
        untilLastAnswerOrWaitEndS: Math.round((endedAtMs - replay.startedAtMs) / 100) / 10,
      },
      results: resultsJson(summary, emulatorBilledUsd),
    };
    mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    say(`written to ${relative(REPO_ROOT, RESULTS_FILE)}`);
    // Written all the same, marked incomplete; the exit status says the run did not measure everything.
    if (!summary.complete)
      throw new Error(
        `${summary.unanswered.length} requests have no result: the figures cover only the ${summary.cost.requests} answered ones (results.complete is false)`,
      );
  } finally {
    await h.stop();
  }
}
