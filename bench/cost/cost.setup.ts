import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY_MS, compressedDayMs } from './cost.deadlines';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * What the providers publish of their batch turnaround, in real time: OpenAI's 24 h window with most
 * batches done within the hour; Anthropic's "most batches finish in less than 1 hour", 24 h expiry.
 * The router starts from these (compressed), as a cold deployment would; it learns the rest.
 */
const PUBLISHED_BATCH_QUANTILES_MS: Readonly<Record<'openai' | 'anthropic', Readonly<Record<string, number>>>> = {
  openai: { '0.5': 20 * MINUTE_MS, '0.9': HOUR_MS, '0.99': 6 * HOUR_MS, '1': DAY_MS },
  anthropic: { '0.5': 30 * MINUTE_MS, '0.8': HOUR_MS, '0.95': 3 * HOUR_MS, '0.99': 12 * HOUR_MS, '1': DAY_MS },
};

/** The emulator's batches: median half an hour, 99th percentile 18 h, heavy-tailed; past a day they expire. */
export const EMULATED_BATCH = { medianMs: 30 * MINUTE_MS, p99Ms: 18 * HOUR_MS };

/**
 * How long before a deadline a batched request is re-issued on the realtime lane. Realtime is not
 * compressed, so neither is the lead: a few seconds is what a chat answer takes on this machine.
 */
export const ESCALATION_LEAD_MS = 3_000;

/**
 * The realtime and async lanes' priors, stated by the operator for the provider at hand, here the
 * emulator: flex is its realtime path (200 ms to the first token, 400 tokens/s), not compressed. The
 * generic priors describe real flex tiers (p99 2 min, p99.9 5 min): on a clock where a day is a minute
 * they would rule async out of every deadline, and 20 prior observations take about a thousand
 * answers to outweigh at a 99.9 % target. Batch keeps the providers' published figures, to be learned.
 */
const EMULATED_CHAT_QUANTILES_MS: Readonly<Record<string, number>> = { '0.5': 1_000, '0.9': 2_500, '0.99': 5_000, '0.999': 8_000, '1': 15_000 };

export interface CostSetup {
  policyFile: string;
  policy: unknown;
  emulatorProfile: unknown;
  env: Record<string, Record<string, string>>;
}

function compressed(quantiles: Readonly<Record<string, number>>, compression: number): Record<string, number> {
  return Object.fromEntries(Object.entries(quantiles).map(([quantile, ms]) => [quantile, Math.round(ms / compression)]));
}

/** The run's routing policy file, emulator profile and service settings, all on one compressed clock. */
export function costSetup(compression: number): CostSetup {
  const dayMs = compressedDayMs(compression);
  const policy = {
    turnaround: {
      escalationLeadMs: ESCALATION_LEAD_MS,
      priors: { realtime: { quantilesMs: EMULATED_CHAT_QUANTILES_MS }, async: { quantilesMs: EMULATED_CHAT_QUANTILES_MS } },
      providers: {
        openai: { batch: { quantilesMs: compressed(PUBLISHED_BATCH_QUANTILES_MS.openai, compression), unfinishedShare: 0.001 } },
        anthropic: { batch: { quantilesMs: compressed(PUBLISHED_BATCH_QUANTILES_MS.anthropic, compression), unfinishedShare: 0.001 } },
      },
    },
  };
  const policyFile = join(mkdtempSync(join(tmpdir(), 'sluice-bench-cost-')), 'routing-policy.json');
  writeFileSync(policyFile, JSON.stringify(policy, null, 2));
  const emulatorProfile = {
    preset: 'test',
    default: {
      // A chat answer in a fraction of a second to a few: not compressed.
      latency: { ttftMs: 200, tokensPerSecond: 400 },
      batch: {
        validationMs: 100,
        turnaround: {
          distribution: 'loglogistic',
          minMs: Math.round(EMULATED_BATCH.medianMs / compression),
          maxMs: Math.round(EMULATED_BATCH.p99Ms / compression),
          perRequestMs: 0,
        },
        finalizingMs: 100,
        completionWindowMs: Math.round(dayMs),
      },
    },
  };
  const shared = { ROUTING_POLICY_FILE: policyFile };
  return {
    policyFile,
    policy,
    emulatorProfile,
    env: {
      ingestion: shared,
      // Learns the lanes' turnarounds from the run's completions every second, the shortest it allows.
      router: { ...shared, ROUTER_ESTIMATES_REFRESH_MS: '1000' },
      'realtime-worker': shared,
      // Windows, polls and the deadline guard on the compressed clock (their defaults are a minute, 2-60 s, 5 s).
      'batch-aggregator': { ...shared, BATCH_WINDOW_MAX_AGE_MS: '1000', BATCH_POLL_MIN_MS: '200', BATCH_POLL_MAX_MS: '1000', BATCH_GUARD_INTERVAL_MS: '250' },
      'provider-emulator': { EMULATOR_PROFILE: JSON.stringify(emulatorProfile) },
    },
  };
}
