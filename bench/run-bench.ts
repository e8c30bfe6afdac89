/**
 * `npm run bench -- <name> [options]`: runs one benchmark; without a name, lists them. Each writes
 * its figures, its baseline from the same run, the ratio and the environment to bench/results/<name>.json.
 */
interface Bench {
  description: string;
  /** Undefined while the benchmark is not written yet. */
  run?: (argv: readonly string[]) => Promise<void>;
}

const BENCHES: Record<string, Bench> = {
  realtime: {
    description:
      'realtime overhead (request -> result, minus provider time) p50/p99 against a raw kafkajs chain of the same hops; streaming vs blocking time to last token',
    run: async (argv) => (await import('./realtime/realtime.bench')).runRealtimeBench(argv),
  },
  batch: {
    description:
      'one million embedding requests through the batch-aggregator: provider batches against the minimum, peak RSS, intake throughput against a bare kafkajs consumer',
    run: async (argv) => (await import('./batch/batch.bench')).runBatchBench(argv),
  },
  notifier: {
    description: 'result booking: a backlog of results booked by one result-notifier per second, against another build of it (--baseline) in the same run',
    run: async (argv) => (await import('./notifier/notifier.bench')).runNotifierBench(argv),
  },
  runner: {
    description: "the consumer runner's own overhead: a no-op batch handler against a bare kafkajs eachBatch consumer on the same topic",
    run: async (argv) => (await import('./runner/runner.bench')).runRunnerBench(argv),
  },
  throughput: {
    description:
      'requests produced to sluice.requests.v1 until every one is on its lane topic, against a raw kafkajs pipe of the same two hops; none lost, time per stage',
    run: async (argv) => (await import('./throughput/throughput.bench')).runThroughputBench(argv),
  },
  isolation: {
    description: 'realtime p50/p99 at a steady rate alone, then while a bulk job is uploaded and while bulk requests are produced to sluice.requests.bulk.v1',
    run: async (argv) => (await import('./isolation/isolation.bench')).runIsolationBench(argv),
  },
  cost: {
    description:
      'cost of chat over flex and non-flex models of both providers, deadlines from seconds to a compressed day, on heavy-tailed batches: against the hindsight oracle, the fixed-estimate policy and all-realtime; attainment of the deadlines the oracle could meet',
    run: async (argv) => (await import('./cost/cost.bench')).runCostBench(argv),
  },
  chaos: {
    description:
      "faults in turn under a steady mixed load, on a broker of its own: database outages, the broker stopped, each service SIGKILLed, provider errors; none lost, none booked twice, the emulator's bill equal to the ledger",
    run: async (argv) => (await import('./chaos/chaos.bench')).runChaosBench(argv),
  },
};

function list(): string {
  return [
    'usage: npm run bench -- <name> [options]   (npm run bench -- <name> --help for its options)',
    '',
    ...Object.entries(BENCHES).map(([name, bench]) => `  ${name.padEnd(10)} ${bench.run ? '' : '[planned] '}${bench.description}`),
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'list') {
    console.log(list());
    return 0;
  }
  const bench = BENCHES[name];
  if (bench === undefined) {
    console.error(`unknown benchmark "${name}"\n\n${list()}`);
    return 2;
  }
  if (bench.run === undefined) {
    console.error(`benchmark "${name}" is not written yet\n\n${list()}`);
    return 2;
  }
  await bench.run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
