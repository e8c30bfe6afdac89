import { parseArgs } from 'node:util';

/** A command line a benchmark cannot run with; the message carries the usage. */
export class BenchUsageError extends Error {}

export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;
export type FlagValues = Record<string, string | boolean | undefined>;

/** `--name value` and `--flag` per spec, strictly: an unknown or misspelt option stops the run rather than being ignored. */
export function readFlags(argv: readonly string[], spec: FlagSpec, usage: string): FlagValues {
  try {
    return parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n${usage}`);
  }
}

function text(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A whole number ≥ 1, or the fallback when the flag is absent. */
export function positiveInt(values: FlagValues, name: string, fallback: number): number {
  const given = text(values, name);
  if (given === undefined) return fallback;
  const value = Number(given.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new BenchUsageError(`--${name} needs a whole number of at least 1, got "${given}"`);
  return value;
}

/** A number > 0, or the fallback when the flag is absent. */
export function positiveNumber(values: FlagValues, name: string, fallback: number): number {
  const given = text(values, name);
  if (given === undefined) return fallback;
  const value = Number(given);
  if (!Number.isFinite(value) || value <= 0) throw new BenchUsageError(`--${name} needs a positive number, got "${given}"`);
  return value;
}

/** A fraction in [0, 1], or the fallback when the flag is absent. */
export function fraction(values: FlagValues, name: string, fallback: number): number {
  const given = text(values, name);
  if (given === undefined) return fallback;
  const value = Number(given);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new BenchUsageError(`--${name} needs a number from 0 to 1, got "${given}"`);
  return value;
}

/** Positive numbers separated by commas (`50,100,200`), or the fallback when the flag is absent. */
export function positiveList(values: FlagValues, name: string, fallback: readonly number[]): number[] {
  const given = text(values, name);
  if (given === undefined) return [...fallback];
  const list = given.split(',').map((part) => Number(part.trim()));
  if (list.length === 0 || list.some((value) => !Number.isFinite(value) || value <= 0)) {
    throw new BenchUsageError(`--${name} needs positive numbers separated by commas, got "${given}"`);
  }
  return list;
}
