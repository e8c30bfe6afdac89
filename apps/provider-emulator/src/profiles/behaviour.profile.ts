/** How the emulated model behaves: one profile per model, merged over a default. */
export interface BehaviourProfile {
  latency: {
    /** Delay before the first token (streams) or before the whole reply is generated. 0 = instant. */
    ttftMs: number;
    /** Generation speed after the first token. 0 = all tokens at once. */
    tokensPerSecond: number;
  };
  limits: {
    /** Requests per minute per API key and model; 0 = unlimited (and no rate-limit headers). */
    rpm: number;
    /** Tokens per minute (prompt + max output) per API key and model; 0 = unlimited. */
    tpm: number;
  };
  faults: {
    /** Fractions of realtime requests answered with 429 / 500 / no answer at all. */
    rate429: number;
    rate500: number;
    rateTimeout: number;
    /** retry-after(-ms) sent with injected 429s. */
    retryAfterMs: number;
    /** How long a "timeout" fault holds the connection before dropping it without an answer. */
    timeoutMs: number;
    /** Fraction of batch lines that fail with a 500 (chosen by custom_id and seed). */
    batchLineErrorRate: number;
    /** Batches expire once this fraction of their lines has run (partial results). */
    forceExpire: boolean;
    expireAfterFraction: number;
    /** OpenAI batches fail validation; Anthropic batch creation is refused. */
    forceValidationFailure: boolean;
  };
  batch: {
    validationMs: number;
    turnaround: {
      /**
       * fixed: minMs; uniform: in [minMs, maxMs]; exponential: minMs + exp(mean (maxMs-minMs)/4), capped at maxMs;
       * loglogistic: heavy-tailed, minMs the median and maxMs the 99th percentile, uncapped (the slowest
       * draws run past the completion window and expire), as real batch queues do.
       */
      distribution: 'fixed' | 'uniform' | 'exponential' | 'loglogistic';
      minMs: number;
      maxMs: number;
      /** Added per request in the batch, so large batches take longer. */
      perRequestMs: number;
    };
    finalizingMs: number;
    cancellingMs: number;
    /** The compressed "24h" completion window: unfinished lines expire after it. */
    completionWindowMs: number;
    /** null = the provider's limit (OpenAI 50,000 lines, Anthropic 100,000 requests). */
    maxRequests: number | null;
    maxEmbeddingInputs: number;
    maxInputBytes: number;
  };
  output: {
    /** Reply length range when a request asks for no specific size. */
    minTokens: number;
    maxTokens: number;
  };
  /** Embedding width; null = the model's native width. */
  embeddingDimensions: number | null;
}

export type ProfilePatch = { [K in keyof BehaviourProfile]?: Patch<BehaviourProfile[K]> };
type Patch<T> = T extends object ? { [K in keyof T]?: Patch<T[K]> } : T;

export const PRESETS = ['default', 'test', 'realistic'] as const;
export type Preset = (typeof PRESETS)[number];

const DEFAULT_PROFILE: BehaviourProfile = {
  latency: { ttftMs: 0, tokensPerSecond: 0 },
  limits: { rpm: 0, tpm: 0 },
  faults: {
    rate429: 0,
    rate500: 0,
    rateTimeout: 0,
    retryAfterMs: 1000,
    timeoutMs: 60_000,
    batchLineErrorRate: 0,
    forceExpire: false,
    expireAfterFraction: 0.5,
    forceValidationFailure: false,
  },
  batch: {
    validationMs: 500,
    // A demo sees a batch end well within a minute.
    turnaround: { distribution: 'uniform', minMs: 5_000, maxMs: 30_000, perRequestMs: 0 },
    finalizingMs: 500,
    cancellingMs: 1_000,
    completionWindowMs: 10 * 60_000,
    maxRequests: null,
    maxEmbeddingInputs: 50_000,
    maxInputBytes: 200 * 1024 * 1024,
  },
  output: { minTokens: 16, maxTokens: 64 },
  embeddingDimensions: null,
};

const PRESET_PATCHES: Record<Preset, ProfilePatch> = {
  default: {},
  // Integration tests: a batch runs its whole lifecycle in about a second.
  test: {
    batch: {
      validationMs: 50,
      turnaround: { distribution: 'fixed', minMs: 1_000, maxMs: 1_000 },
      finalizingMs: 50,
      cancellingMs: 50,
    },
  },
  realistic: {
    latency: { ttftMs: 300, tokensPerSecond: 60 },
    batch: { turnaround: { distribution: 'uniform', minMs: 20_000, maxMs: 55_000 } },
  },
};

export function presetProfile(preset: Preset): BehaviourProfile {
  return mergeProfile(DEFAULT_PROFILE, PRESET_PATCHES[preset]);
}

export class ProfileError extends Error {}

const NULLABLE = new Set(['batch.maxRequests', 'embeddingDimensions']);
const NUMBER_WHEN_NOT_NULL: Record<string, number> = { 'batch.maxRequests': 1, embeddingDimensions: 1 };

/**
 * Checks that `patch` only names known settings with the right types (a typo in a profile file
 * must fail loudly, not be ignored) and returns it typed.
 */
export function parseProfilePatch(value: unknown, where: string): ProfilePatch {
  checkShape(value, DEFAULT_PROFILE, where, '');
  return value as ProfilePatch;
}

function checkShape(value: unknown, template: unknown, where: string, path: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProfileError(`${where}${path ? `.${path}` : ''} must be an object`);
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const templateChild = (template as Record<string, unknown>)[key];
    if (!(key in (template as object))) throw new ProfileError(`${where}.${childPath} is not a profile setting`);
    if (child === null && NULLABLE.has(childPath)) continue;
    if (templateChild !== null && typeof templateChild === 'object') {
      checkShape(child, templateChild, where, childPath);
      continue;
    }
    const expected = templateChild === null ? typeof NUMBER_WHEN_NOT_NULL[childPath] : typeof templateChild;
    if (typeof child !== expected) throw new ProfileError(`${where}.${childPath} must be a ${expected}`);
  }
}

export function mergeProfile(base: BehaviourProfile, patch: ProfilePatch): BehaviourProfile {
  return deepMerge(base, patch) as BehaviourProfile;
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return structuredClone(base);
  if (patch === null || typeof patch !== 'object' || base === null || typeof base !== 'object') return patch;
  const merged: Record<string, unknown> = { ...(structuredClone(base) as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) merged[key] = deepMerge(merged[key], value);
  return merged;
}

/** Range checks on a merged profile; `where` names the source in the error. */
export function checkProfile(profile: BehaviourProfile, where: string): BehaviourProfile {
  const fraction = (path: string, v: number): void => {
    if (!(v >= 0 && v <= 1)) throw new ProfileError(`${where}.${path} must be in [0, 1]`);
  };
  const nonNegative = (path: string, v: number): void => {
    if (!(Number.isFinite(v) && v >= 0)) throw new ProfileError(`${where}.${path} must be >= 0`);
  };
  const positiveInt = (path: string, v: number): void => {
    if (!(Number.isInteger(v) && v > 0)) throw new ProfileError(`${where}.${path} must be a positive integer`);
  };
  const { latency, limits, faults, batch, output } = profile;
  nonNegative('latency.ttftMs', latency.ttftMs);
  nonNegative('latency.tokensPerSecond', latency.tokensPerSecond);
  nonNegative('limits.rpm', limits.rpm);
  nonNegative('limits.tpm', limits.tpm);
  fraction('faults.rate429', faults.rate429);
  fraction('faults.rate500', faults.rate500);
  fraction('faults.rateTimeout', faults.rateTimeout);
  if (faults.rate429 + faults.rate500 + faults.rateTimeout > 1) {
    throw new ProfileError(`${where}.faults: rate429 + rate500 + rateTimeout must not exceed 1`);
  }
  nonNegative('faults.retryAfterMs', faults.retryAfterMs);
  nonNegative('faults.timeoutMs', faults.timeoutMs);
  fraction('faults.batchLineErrorRate', faults.batchLineErrorRate);
  fraction('faults.expireAfterFraction', faults.expireAfterFraction);
  nonNegative('batch.validationMs', batch.validationMs);
  if (!['fixed', 'uniform', 'exponential', 'loglogistic'].includes(batch.turnaround.distribution)) {
    throw new ProfileError(`${where}.batch.turnaround.distribution must be fixed, uniform, exponential or loglogistic`);
  }
  if (batch.turnaround.distribution === 'loglogistic' && !(batch.turnaround.minMs > 0 && batch.turnaround.maxMs > batch.turnaround.minMs)) {
    throw new ProfileError(`${where}.batch.turnaround: a loglogistic turnaround needs 0 < minMs (the median) < maxMs (the 99th percentile)`);
  }
  nonNegative('batch.turnaround.minMs', batch.turnaround.minMs);
  nonNegative('batch.turnaround.maxMs', batch.turnaround.maxMs);
  nonNegative('batch.turnaround.perRequestMs', batch.turnaround.perRequestMs);
  if (batch.turnaround.maxMs < batch.turnaround.minMs && batch.turnaround.distribution !== 'fixed') {
    throw new ProfileError(`${where}.batch.turnaround.maxMs must be >= minMs`);
  }
  nonNegative('batch.finalizingMs', batch.finalizingMs);
  nonNegative('batch.cancellingMs', batch.cancellingMs);
  positiveInt('batch.completionWindowMs', batch.completionWindowMs);
  if (batch.maxRequests !== null) positiveInt('batch.maxRequests', batch.maxRequests);
  positiveInt('batch.maxEmbeddingInputs', batch.maxEmbeddingInputs);
  positiveInt('batch.maxInputBytes', batch.maxInputBytes);
  if (!(Number.isInteger(output.minTokens) && output.minTokens >= 1)) {
    throw new ProfileError(`${where}.output.minTokens must be a positive integer`);
  }
  if (!(Number.isInteger(output.maxTokens) && output.maxTokens >= output.minTokens)) {
    throw new ProfileError(`${where}.output.maxTokens must be an integer >= minTokens`);
  }
  if (profile.embeddingDimensions !== null) positiveInt('embeddingDimensions', profile.embeddingDimensions);
  return profile;
}

/** The turnaround of one batch of `requests` lines, drawn with `unit` in [0, 1). */
export function drawTurnaroundMs(turnaround: BehaviourProfile['batch']['turnaround'], requests: number, unit: number): number {
  const { distribution, minMs, maxMs, perRequestMs } = turnaround;
  let base: number;
  switch (distribution) {
    case 'fixed':
      base = minMs;
      break;
    case 'uniform':
      base = minMs + unit * (maxMs - minMs);
      break;
    case 'exponential':
      base = Math.min(maxMs, minMs - Math.log(1 - unit) * ((maxMs - minMs) / 4));
      break;
    case 'loglogistic': {
      // Quantile median * (u / (1 - u))^(1/shape), the shape set so that u = 0.99 gives maxMs.
      const shape = Math.log(99) / Math.log(maxMs / minMs);
      base = minMs * (unit / (1 - unit)) ** (1 / shape);
      break;
    }
  }
  return Math.round(base + perRequestMs * requests);
}
