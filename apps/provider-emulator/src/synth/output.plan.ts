/** Where a request asks for a given reply size: `metadata.emulator_output_tokens`, or in its text. */
export const OUTPUT_TOKENS_METADATA_KEY = 'emulator_output_tokens';
const OUTPUT_TOKENS_DIRECTIVE = /\[emulator:output_tokens=(\d{1,7})\]/;

export interface NaturalLength {
  minTokens: number;
  maxTokens: number;
}

export interface OutputPlan {
  tokens: number;
  /** The reply was cut at the request's token cap (finish_reason length / stop_reason max_tokens). */
  capped: boolean;
}

/** The reply size a request asks for through metadata or the `[emulator:output_tokens=N]` directive. */
export function requestedOutputTokens(metadata: unknown, texts: readonly string[]): number | undefined {
  if (metadata !== null && typeof metadata === 'object') {
    const raw = (metadata as Record<string, unknown>)[OUTPUT_TOKENS_METADATA_KEY];
    const value = typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : raw;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  }
  for (let i = texts.length - 1; i >= 0; i -= 1) {
    const text = texts[i] as string;
    if (!text.includes('[emulator:')) continue;
    const match = OUTPUT_TOKENS_DIRECTIVE.exec(text);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/**
 * The deterministic reply size: what the request asked for, else a length fixed by the input's
 * hash within the profile's natural range; then cut at the request's cap when it has one.
 */
export function planOutput(requested: number | undefined, cap: number | undefined, inputSeed: number, natural: NaturalLength): OutputPlan {
  const span = Math.max(0, natural.maxTokens - natural.minTokens) + 1;
  const wanted = requested ?? natural.minTokens + (inputSeed % span);
  if (cap !== undefined && wanted > cap) return { tokens: cap, capped: true };
  return { tokens: wanted, capped: false };
}
