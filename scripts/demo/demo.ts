import { Topics } from '@sluice/contracts';
import { createPool } from '@sluice/ledger';
import { Kafka, logLevel } from 'kafkajs';
import { relative } from 'node:path';
import { LedgerOutcomes } from '../../bench/replay/ledger.outcomes';
import { UsageError } from '../../bench/replay/replay.options';
import { runReplay } from '../../bench/replay/replay.run';
import { requestRecords } from '../../bench/replay/replay.sender';
import { formatDuration, formatSummary } from '../../bench/replay/summary.table';
import { FIXED_ESTIMATES_MS } from '../../bench/workload/cost.bounds';
import { readRoutingPolicy } from '../../bench/workload/policy.file';
import { loadTrace } from '../../bench/workload/trace.files';
import { URGENCY_CLASSES, checkClassDeadlines, formatMix } from '../../bench/workload/urgency.rule';
import { planWorkload } from '../../bench/workload/workload.plan';
import { REPO_ROOT, resolveStackConfig } from '../stack/stack.config';
import { formatSluiceDown } from '../up/report/up.report';
import { bringSluiceDown } from '../up/sluice.down';
import { bringSluiceUp } from '../up/sluice.up';
import { DEMO_USAGE, DemoOptions, parseDemoArgs } from './demo.args';
import { kafkaJsSecurityFromEnv } from '../stack/kafka/kafka.security';

const say = (line: string): void => console.log(`demo: ${line}`);

/**
 * `npm run demo`: the whole system on this machine (npm run up), a replay of the trace excerpt with
 * seeded deadlines produced to sluice.requests.v1, and the outcome as the ledger booked it.
 * Requests go to Kafka rather than the HTTP API because that is how upstream services hand Sluice
 * bulk work (no API key to create), and a kafkajs producer keeps the trace's pace at any rate.
 */
async function runDemo(options: DemoOptions): Promise<number> {
  const config = resolveStackConfig(process.env, REPO_ROOT);
  const { path: policyPath, policy } = readRoutingPolicy(REPO_ROOT);
  checkClassDeadlines(FIXED_ESTIMATES_MS);
  const trace = loadTrace();

  say('bringing Sluice up (as npm run up: Kafka, PostgreSQL, topics, migrations, the five services, the provider emulator)');
  const up = await bringSluiceUp(config, { rebuild: options.rebuild, readyTimeoutMs: 180_000, log: say });
  say(
    `Sluice is up (${(up.elapsedMs / 1000).toFixed(1)} s): ${up.services.map((s) => `${s.name} :${s.port}`).join(', ')}; logs in ${relative(REPO_ROOT, config.stateDir) || '.'}/logs`,
  );

  const runId = `demo-${Date.now().toString(36)}`;
  const plan = planWorkload(trace.rows, {
    tenant: runId,
    runId,
    seed: options.seed,
    mix: options.mix,
    speed: options.speed,
    limit: options.requests,
    embeddingShare: options.embeddingShare,
  });
  const perClass = URGENCY_CLASSES.map((urgency) => `${urgency} ${plan.filter((p) => p.urgency === urgency).length}`).join(', ');
  const spanMs = plan.at(-1)?.sendOffsetMs ?? 0;
  say(`replaying ${plan.length} requests of the Azure LLM inference trace 2023 excerpt (CC BY 4.0, ${relative(REPO_ROOT, trace.dir)}): ${perClass}`);
  say(
    `mix ${formatMix(options.mix)}, seed ${options.seed}, speed ${options.speed}x: ${formatDuration(spanMs)} of sending; tenant ${runId}; lane estimates from ${relative(REPO_ROOT, policyPath)}`,
  );

  const kafka = new Kafka({ clientId: 'sluice-demo', brokers: up.stack.kafka.brokers.split(','), logLevel: logLevel.ERROR, ...kafkaJsSecurityFromEnv() });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const pool = createPool(up.stack.postgres.url, { max: 2, applicationName: 'sluice-demo' });
  const ledger = new LedgerOutcomes(pool);
  try {
    await producer.connect();
    const { summary } = await runReplay(plan, {
      tenant: runId,
      policy,
      ledger,
      waitS: options.waitS,
      say,
      send: async (requests) => {
        await producer.send({ topic: Topics.Requests, acks: -1, messages: requestRecords(requests) });
      },
    });
    console.log(['', ...formatSummary(summary), ''].join('\n'));

    if (options.down) console.log(formatSluiceDown(await bringSluiceDown(config), config.stateDir));
    else say(`Sluice keeps running (npm run down stops it); this run's requests are in the ledger under tenant ${runId}`);
    const failed = summary.classes.reduce((sum, c) => sum + c.failed, 0);
    return summary.complete && failed === 0 ? 0 : 1;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const command = parseDemoArgs(argv);
  if (command.command === 'help') {
    console.log(DEMO_USAGE);
    return 0;
  }
  return runDemo(command.options);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`demo: ${error.message}\n\n${DEMO_USAGE}`);
      process.exit(2);
    }
    const message =
      error instanceof AggregateError ? error.errors.map((e: Error) => e.message).join('\n\n') : error instanceof Error ? error.message : String(error);
    console.error(`demo: failed: ${message}`);
    process.exit(1);
  },
);
