import { ErrorCode, FieldError, Lane } from '@sluice/contracts';
import type { DailyLaneCost } from '@sluice/ledger';
import { roundUsd } from '@sluice/providers/pricing/pricing';

/** Totals of one slice of the report; the definitions are on DailyLaneCost (and in the OpenAPI schema). */
export interface CostFigures {
  requests: number;
  results: number;
  costUsd: number;
  supersededCostUsd: number;
  extraCalls: number;
  extraCostUsd: number;
  realtimeCostUsd: number;
  savedUsd: number;
}

export interface LaneCost extends CostFigures {
  lane: Lane;
}

export interface DayCost {
  day: string;
  lanes: LaneCost[];
  total: CostFigures;
}

/** What GET /v1/costs answers. */
export interface CostReport {
  /** First and last UTC day of the report, both included. */
  from: string;
  to: string;
  currency: 'USD';
  /** Days with anything booked, in order. */
  days: DayCost[];
  /** Each lane over the whole range. */
  lanes: LaneCost[];
  total: CostFigures;
}

export type CostRange = { from: string; to: string; start: Date; end: Date };
export type ParsedCostRange = ({ ok: true } & CostRange) | { ok: false; error: FieldError };

const DAY_MS = 86_400_000;
/** Without `from`, the report covers this many days up to `to`. */
export const DEFAULT_DAYS = 30;
/** A report covers at most a year (and a leap day): one query, bounded rows. */
export const MAX_DAYS = 366;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function dayStart(text: string): Date | undefined {
  if (!DATE.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00.000Z`);
  // Rejects 2030-02-30, which Date would roll over into March.
  return Number.isNaN(date.getTime()) || utcDay(date) !== text ? undefined : date;
}

function invalid(field: string, message: string, code = ErrorCode.INVALID_FIELD): ParsedCostRange {
  return { ok: false, error: { code, message, field } };
}

/**
 * `from` and `to` of GET /v1/costs: UTC days, `YYYY-MM-DD`, both included. `to` defaults to today,
 * `from` to DEFAULT_DAYS days before it, at most MAX_DAYS days in all.
 */
export function parseCostRange(query: Readonly<Record<string, unknown>>, now: Date): ParsedCostRange {
  const unknown = Object.keys(query).find((name) => name !== 'from' && name !== 'to');
  if (unknown !== undefined) return invalid(unknown, `unknown parameter "${unknown}"; the report takes from and to`, ErrorCode.UNKNOWN_FIELD);
  const read = (name: 'from' | 'to', fallback: Date): Date | string => {
    const value = query[name];
    if (value === undefined) return fallback;
    const date = typeof value === 'string' ? dayStart(value) : undefined;
    return date ?? `${name} must be a day as YYYY-MM-DD (UTC)`;
  };
  const to = read('to', new Date(Date.parse(`${utcDay(now)}T00:00:00.000Z`)));
  if (typeof to === 'string') return invalid('to', to);
  const from = read('from', new Date(to.getTime() - (DEFAULT_DAYS - 1) * DAY_MS));
  if (typeof from === 'string') return invalid('from', from);
  if (from > to) return invalid('from', 'from must not be after to');
  const days = (to.getTime() - from.getTime()) / DAY_MS + 1;
  if (days > MAX_DAYS) return invalid('from', `a report covers at most ${MAX_DAYS} days, not ${days}`);
  return { ok: true, from: utcDay(from), to: utcDay(to), start: from, end: new Date(to.getTime() + DAY_MS) };
}

function zero(): CostFigures {
  return { requests: 0, results: 0, costUsd: 0, supersededCostUsd: 0, extraCalls: 0, extraCostUsd: 0, realtimeCostUsd: 0, savedUsd: 0 };
}

// Every amount the ledger holds has at most 12 decimals; rounding each sum keeps the totals as exact
// as the rows instead of adding binary floating-point noise.
function add(into: CostFigures, row: CostFigures): void {
  into.requests += row.requests;
  into.results += row.results;
  into.costUsd = roundUsd(into.costUsd + row.costUsd);
  into.supersededCostUsd = roundUsd(into.supersededCostUsd + row.supersededCostUsd);
  into.extraCalls += row.extraCalls;
  into.extraCostUsd = roundUsd(into.extraCostUsd + row.extraCostUsd);
  into.realtimeCostUsd = roundUsd(into.realtimeCostUsd + row.realtimeCostUsd);
  into.savedUsd = roundUsd(into.savedUsd + row.savedUsd);
}

function figures(row: DailyLaneCost): CostFigures {
  const { requests, results, costUsd, supersededCostUsd, extraCalls, extraCostUsd, realtimeCostUsd, savedUsd } = row;
  return { requests, results, costUsd, supersededCostUsd, extraCalls, extraCostUsd, realtimeCostUsd, savedUsd };
}

/** The report from the ledger's rows (ordered by day and lane): per day and lane, per lane, and in all. */
export function costReport(rows: readonly DailyLaneCost[], range: Pick<CostRange, 'from' | 'to'>): CostReport {
  const days: DayCost[] = [];
  const lanes = new Map<Lane, LaneCost>();
  const total = zero();
  for (const row of rows) {
    let day = days[days.length - 1];
    if (day?.day !== row.day) {
      day = { day: row.day, lanes: [], total: zero() };
      days.push(day);
    }
    day.lanes.push({ lane: row.lane, ...figures(row) });
    add(day.total, row);
    let lane = lanes.get(row.lane);
    if (lane === undefined) {
      lane = { lane: row.lane, ...zero() };
      lanes.set(row.lane, lane);
    }
    add(lane, row);
    add(total, row);
  }
  return {
    from: range.from,
    to: range.to,
    currency: 'USD',
    days,
    lanes: [...lanes.values()].sort((a, b) => a.lane.localeCompare(b.lane)),
    total,
  };
}
