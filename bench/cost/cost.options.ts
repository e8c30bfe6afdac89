import { resolve } from 'node:path';
import { DEFAULT_SETTINGS, ReplaySettings, UsageError, readReplayFlag, replayUsage } from '../replay/replay.options';

export interface CostBenchOptions extends ReplaySettings {
  /** A trace folder: the shipped excerpt by default, or the full dataset (e.g. ../shared/data/azure-llm-trace-2023). */
  traceDir: string | undefined;
  /**
   * Let the router learn lane estimates from this run's completions (its default). Off by default:
   * the router then routes by the policy's estimates, the same the lower bound is computed with.
   */
  learnedEstimates: boolean;
}

/** The whole excerpt (1,996 requests) at twice the trace's pace: about two minutes of sending. */
export const DEFAULT_COST_OPTIONS: CostBenchOptions = {
  ...DEFAULT_SETTINGS,
  requests: undefined,
  speed: 2,
  waitS: 300,
  traceDir: undefined,
  learnedEstimates: false,
};

export const COST_USAGE = `npm run bench -- cost [options]
${replayUsage(DEFAULT_COST_OPTIONS)}
  --trace <dir>       trace folder with code.csv/conv.csv or the dataset's AzureLLMInferenceTrace_{code,conv}.csv
                      (default: the shipped excerpt, bench/data/azure-llm-trace-2023-excerpt)
  --learned-estimates let the router learn lane estimates from the run's completions (default: it routes by
                      the policy's estimates, as the lower bound does)`;

export function parseCostOptions(argv: readonly string[]): CostBenchOptions {
  const options: CostBenchOptions = { ...DEFAULT_COST_OPTIONS };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--learned-estimates') options.learnedEstimates = true;
    else if (arg === '--trace') {
      const dir = argv[i + 1];
      if (dir === undefined || dir.startsWith('--')) throw new UsageError('--trace needs a folder');
      options.traceDir = resolve(dir);
      i += 1;
    } else if (readReplayFlag(options, arg, argv[i + 1])) i += 1;
    else throw new UsageError(`unknown option ${arg}\n${COST_USAGE}`);
  }
  return options;
}
