import { DEFAULT_SETTINGS, ReplaySettings, UsageError, readReplayFlag, replayUsage } from '../../bench/replay/replay.options';

export interface DemoOptions extends ReplaySettings {
  /** Stop Sluice afterwards (npm run down); by default it keeps running for the user to look at. */
  down: boolean;
  rebuild: boolean;
}

export type DemoCommand = { command: 'run'; options: DemoOptions } | { command: 'help' };

/** Sized for a few minutes on a 2-core machine: about 36 s of trace at its own pace, then the batch lane's turnaround. */
export const DEFAULT_DEMO_OPTIONS: DemoOptions = { ...DEFAULT_SETTINGS, requests: 300, waitS: 180, down: false, rebuild: false };

export const DEMO_USAGE = `usage: npm run demo [-- options]

Brings Sluice up (as npm run up), replays the first rows of the Azure LLM inference trace excerpt
(bench/data/azure-llm-trace-2023-excerpt) as requests with seeded deadlines, waits for their results
and prints requests per lane, deadline attainment and cost from the ledger.

${replayUsage(DEFAULT_DEMO_OPTIONS)}
  --down              stop Sluice afterwards (npm run down); by default it keeps running
  --rebuild           build every bundle first (as npm run up -- --rebuild)

environment: as npm run up (SLUICE_STATE_DIR, KAFKA_BROKERS, DATABASE_URL, LOG_LEVEL)
exit status: 0 when every request has a result, 1 when some have none or failed, 2 for a bad option
`;

export function parseDemoArgs(argv: readonly string[]): DemoCommand {
  const options: DemoOptions = { ...DEFAULT_DEMO_OPTIONS };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { command: 'help' };
    if (arg === '--down') options.down = true;
    else if (arg === '--rebuild') options.rebuild = true;
    else if (readReplayFlag(options, arg, argv[i + 1])) i += 1;
    else throw new UsageError(`unknown option ${arg}`);
  }
  return { command: 'run', options };
}
