import { createHash } from 'node:crypto';
import { LANES, type Lane } from '@sluice/routing';
import { lanesAllowed } from './cost.bounds';
import type { TraceSource } from './trace.rows';

/**
 * The trace has no deadlines, so each request gets an urgency class by a seeded rule, and each
 * class a deadline chosen against the routing policy's lane estimates (realtime 10 s, async 5 min,
 * batch 6 h by default): the router sends a request to batch only when its slack exceeds the batch
 * estimate, to async when it exceeds the async estimate, else to realtime.
 */
export type UrgencyClass = 'interactive' | 'minutes' | 'hours';
export const URGENCY_CLASSES: readonly UrgencyClass[] = ['interactive', 'minutes', 'hours'];

export interface UrgencySpec {
  /** Deadline after the request is sent. */
  deadlineMs: number;
  /** Token streaming: what interactive chat does, and what only the realtime lane can serve. */
  stream: boolean;
  /** The lane this class is meant for under the policy's estimates (checked by checkClassDeadlines). */
  intendedLane: Lane;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const URGENCY: Readonly<Record<UrgencyClass, UrgencySpec>> = {
  // A user waits: 30 s is under the async estimate, and the reply streams, so only realtime serves it
  // (also once the router has learned that async answers in a second on the emulator).
  interactive: { deadlineMs: 30_000, stream: true, intendedLane: 'realtime' },
  // Work a user started and comes back to: three times the async estimate, far under the batch one.
  minutes: { deadlineMs: 15 * MINUTE_MS, stream: false, intendedLane: 'async' },
  // Overnight-style work: twice the batch estimate, still inside a provider's 24 h batch window.
  hours: { deadlineMs: 12 * HOUR_MS, stream: false, intendedLane: 'batch' },
};

export type UrgencyMix = Readonly<Record<UrgencyClass, number>>;

export const DEFAULT_MIX: UrgencyMix = { interactive: 0.4, minutes: 0.3, hours: 0.3 };

/**
 * `interactive=2,minutes=1` style: weights, normalised to fractions; classes not named get 0.
 * `interactive,minutes` gives the named classes equal weight.
 */
export function parseMix(text: string): UrgencyMix {
  const weights: Record<UrgencyClass, number> = { interactive: 0, minutes: 0, hours: 0 };
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')) {
    const [name, rawWeight] = part.split('=');
    if (!URGENCY_CLASSES.includes(name as UrgencyClass)) {
      throw new Error(`--mix: unknown urgency class "${name}"; expected ${URGENCY_CLASSES.join(', ')}`);
    }
    const weight = rawWeight === undefined ? 1 : Number(rawWeight);
    if (!Number.isFinite(weight) || weight < 0) throw new Error(`--mix: the weight of ${name} must be a number >= 0, got "${rawWeight}"`);
    weights[name as UrgencyClass] = weight;
  }
  const total = URGENCY_CLASSES.reduce((sum, name) => sum + weights[name], 0);
  if (total <= 0) throw new Error(`--mix needs at least one class with a positive weight, e.g. interactive=0.5,minutes=0.5`);
  return { interactive: weights.interactive / total, minutes: weights.minutes / total, hours: weights.hours / total };
}

export function formatMix(mix: UrgencyMix): string {
  return URGENCY_CLASSES.filter((name) => mix[name] > 0)
    .map((name) => `${name}=${Math.round(mix[name] * 1000) / 1000}`)
    .join(',');
}

/**
 * A number in [0, 1) fixed by the seed, the purpose of the draw and the trace row: the same row
 * gets the same class in every run with that seed, whichever subset of the trace is replayed.
 */
export function unitDraw(seed: number, purpose: string, source: TraceSource, index: number): number {
  const digest = createHash('sha256').update(`${seed}:${purpose}:${source}:${index}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The class whose share of [0, 1) the draw falls in, classes in the order interactive, minutes, hours. */
export function urgencyOf(draw: number, mix: UrgencyMix): UrgencyClass {
  let upTo = 0;
  for (const name of URGENCY_CLASSES) {
    upTo += mix[name];
    if (draw < upTo) return name;
  }
  // Rounding can leave the top of [0, 1) uncovered: it belongs to the last class with any share.
  return [...URGENCY_CLASSES].reverse().find((name) => mix[name] > 0) ?? 'interactive';
}

/**
 * Fails when the policy's estimates would route a class somewhere other than intended (a policy
 * file whose batch estimate grew past 12 h would silently turn the hours class into async work).
 */
export function checkClassDeadlines(estimatesMs: Readonly<Record<Lane, number>>): void {
  const problems: string[] = [];
  for (const name of URGENCY_CLASSES) {
    const { intendedLane } = URGENCY[name];
    // The slowest lane the deadline allows is where the router sends it (each is cheaper than the faster ones).
    const lane = lanesAllowed(URGENCY[name], estimatesMs, LANES).at(-1);
    if (lane !== intendedLane) problems.push(`${name} (deadline ${URGENCY[name].deadlineMs} ms) would go to ${lane}, not ${intendedLane}`);
  }
  if (problems.length > 0) {
    throw new Error(`the routing policy's lane estimates ${JSON.stringify(estimatesMs)} do not fit the urgency classes: ${problems.join('; ')}`);
  }
}
