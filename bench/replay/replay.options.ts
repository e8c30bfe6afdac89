import { DEFAULT_MIX, UrgencyMix, formatMix, parseMix } from '../workload/urgency.rule';
import { DEFAULT_EMBEDDING_SHARE } from '../workload/workload.plan';

/** What the demo and the cost benchmark share: how much of the trace, how fast, which classes, how long to wait. */
export interface ReplaySettings {
  /** Rows replayed from the start of the trace; undefined: all of them. */
  requests: number | undefined;
  speed: number;
  seed: number;
  mix: UrgencyMix;
  embeddingShare: number;
  /** Seconds to wait for results after the last request was sent. */
  waitS: number;
}

export class UsageError extends Error {}

function positive(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || !Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} needs a positive number, got "${text ?? ''}"`);
  return value;
}

function whole(flag: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isSafeInteger(value) || value < min) throw new UsageError(`${flag} needs a whole number >= ${min}, got "${text ?? ''}"`);
  return value;
}

/**
 * Reads one replay flag and its value into `settings`; false when `flag` is not a replay flag.
 * Throws a UsageError naming the flag for a bad value.
 */
export function readReplayFlag(settings: ReplaySettings, flag: string, value: string | undefined): boolean {
  switch (flag) {
    case '--requests':
      settings.requests = whole(flag, value, 1);
      return true;
    case '--speed':
      settings.speed = positive(flag, value);
      return true;
    case '--seed':
      settings.seed = whole(flag, value, 0);
      return true;
    case '--mix':
      try {
        settings.mix = parseMix(value ?? '');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      return true;
    case '--embeddings': {
      const share = Number(value);
      if (value === undefined || !Number.isFinite(share) || share < 0 || share > 1)
        throw new UsageError(`--embeddings needs a share between 0 and 1, got "${value ?? ''}"`);
      settings.embeddingShare = share;
      return true;
    }
    case '--wait':
      settings.waitS = positive(flag, value);
      return true;
    default:
      return false;
  }
}

export const DEFAULT_SETTINGS: Omit<ReplaySettings, 'requests' | 'waitS'> = { speed: 1, seed: 1, mix: DEFAULT_MIX, embeddingShare: DEFAULT_EMBEDDING_SHARE };

export function replayUsage(defaults: ReplaySettings): string {
  return [
    `  --requests <n>      rows replayed from the start of the trace, in invocation order (default ${defaults.requests ?? 'all'})`,
    `  --speed <x>         trace time runs x times faster (default ${defaults.speed})`,
    `  --seed <n>          seed of the urgency classes and of which hours-class rows are embeddings (default ${defaults.seed})`,
    `  --mix <classes>     urgency mix as weights (default ${formatMix(defaults.mix)});`,
    `                      interactive=0.4,minutes=0.3 leaves the hours class, and so the batch lane, out`,
    `  --embeddings <f>    share of the hours class sent as embeddings of their context (default ${defaults.embeddingShare})`,
    `  --wait <s>          seconds to wait for results after the last request is sent (default ${defaults.waitS})`,
  ].join('\n');
}
