const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/**
 * A duration as people write it on a command line or in a query string: whole numbers with a unit,
 * largest first or not (`6h`, `90m`, `1h30m`, `2d`, `500ms`). Undefined for anything else, a bare
 * number included: a unit is never guessed.
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
  return Number.isSafeInteger(ms) ? ms : undefined;
}
