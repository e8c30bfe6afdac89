import { Pool } from 'pg';
import { InferenceResultV1, Lane, Provider } from '@sluice/contracts';
import { withTransaction } from '../client/database.pool';
import { requestKey } from './requests.repository';
import { chunks, toNumber } from './row.mapping';

/**
 * `booked`: this result is the request's completion, deliver it. `already-booked`: this very result
 * was booked before (a redelivery). `superseded`: another result of the request won; this one is
 * recorded and billed, but must not be delivered.
 */
export type BookingOutcome =
  | { outcome: 'booked'; resultId: string }
  | { outcome: 'already-booked'; resultId: string }
  | { outcome: 'superseded'; resultId: string; winnerResultId: string };

/**
 * How bookMany booked one result: as book() would, whether the request's completion was published
 * before the call, and whether this call booked the result's provider call as extra spend (another
 * call than the one recorded for its result id: a redelivered lane message answered twice).
 */
export type BulkBookingOutcome = BookingOutcome & { published: boolean; extraSpend: boolean };

/** A booked completion as the realtime worker reads it before calling a provider for a lane message. */
export interface BookedResult {
  tenant: string;
  requestId: string;
  /** The delivered result; null for completions booked before results were stored. */
  result: InferenceResultV1 | null;
  published: boolean;
}

/**
 * A provider call the realtime worker is about to make for a lane message, written ahead so that a
 * crash mid-call leaves a row to book it by.
 */
export interface CallAhead {
  callId: string;
  /** The result the call would answer (resultIdFor), named by the extra spend it may be booked as. */
  resultId: string;
  lane: Lane;
  provider: Provider;
  model: string;
  /** The router's cost estimate, booked when no answer tells better. */
  estimatedCostUsd: number;
  /** When the call and its retries are over for sure: its deadline, or the longest they can take. */
  expiresAt: Date;
}

/** A request to look up, and the call to write ahead for it unless it is booked. */
export interface BookedResultRef {
  tenant: string;
  requestId: string;
  call?: CallAhead;
}

/** How the sweep names the extra spend of a call it booked: a late answer removes it by this key. */
export const SWEPT_CALL_PREFIX = 'sluice-call:';

/** The provider call behind a result: its own id, or the one of the failed call it reports. */
function callIdOf(result: InferenceResultV1): string | undefined {
  return result.providerRequestId ?? result.error?.providerRequestId;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Rows per markPublishedMany statement: bounds one statement's array and the locks it holds.
const PUBLISH_CHUNK = 1_000;

function compareResults(a: InferenceResultV1, b: InferenceResultV1): number {
  if (a.tenant !== b.tenant) return a.tenant < b.tenant ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface CompletionRecord {
  tenant: string;
  requestId: string;
  resultId: string;
  status: 'succeeded' | 'failed';
  lane: Lane;
  provider: Provider;
  model: string;
  costUsd: number;
  realtimeCostUsd: number;
  savedUsd: number;
  receivedAt: Date;
  completedAt: Date;
  deadline: Date | null;
  deadlineMet: boolean | null;
  bookedAt: Date;
  /** When the completion's event, replyTo copy and webhook were handed off; null until then. */
  publishedAt: Date | null;
}

interface CompletionRow {
  tenant: string;
  request_id: string;
  result_id: string;
  status: 'succeeded' | 'failed';
  lane: Lane;
  provider: Provider;
  model: string;
  cost_usd: string;
  realtime_cost_usd: string;
  saved_usd: string;
  received_at: Date;
  completed_at: Date;
  deadline: Date | null;
  deadline_met: boolean | null;
  booked_at: Date;
  published_at: Date | null;
}

function toRecord(row: CompletionRow): CompletionRecord {
  return {
    tenant: row.tenant,
    requestId: row.request_id,
    resultId: row.result_id,
    status: row.status,
    lane: row.lane,
    provider: row.provider,
    model: row.model,
    costUsd: toNumber(row.cost_usd) ?? 0,
    realtimeCostUsd: toNumber(row.realtime_cost_usd) ?? 0,
    savedUsd: toNumber(row.saved_usd) ?? 0,
    receivedAt: row.received_at,
    completedAt: row.completed_at,
    deadline: row.deadline,
    deadlineMet: row.deadline_met,
    bookedAt: row.booked_at,
    publishedAt: row.published_at,
  };
}

/** What one tenant spent on one UTC day in one lane; see dailyCosts for what each figure counts. */
export interface DailyLaneCost {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  lane: Lane;
  requests: number;
  results: number;
  costUsd: number;
  supersededCostUsd: number;
  extraCalls: number;
  extraCostUsd: number;
  realtimeCostUsd: number;
  savedUsd: number;
}

export interface SpendSummary {
  requests: number;
  costUsd: number;
  realtimeCostUsd: number;
  savedUsd: number;
}

/** How one provider, model and lane answered in a window. */
export interface LaneTurnarounds {
  provider: string;
  model: string;
  lane: Exclude<Lane, 'cache'>;
  /** Successful results. */
  answered: number;
  /** Batch items that expired without an answer. */
  expired: number;
  /** Time to an answer in ms at each quantile asked for, in the same order; empty without answers. */
  quantilesMs: number[];
}

export class CompletionsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Books a result exactly once per request, in one transaction: the result is recorded (every
   * result is, for billing), the first one to claim the request's completion row wins, and only the
   * winner updates the request and has its result stored as the delivered one. Safe under any number
   * of concurrent and repeated calls.
   */
  async book(result: InferenceResultV1): Promise<BookingOutcome> {
    return withTransaction(this.pool, async (client) => {
      await client.query(
        `insert into request_results (result_id, tenant, request_id, status, lane, provider, model, input_tokens,
                                      output_tokens, cached_input_tokens, cost_usd, error_code, provider_request_id, completed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         on conflict (result_id) do nothing`,
        [
          result.resultId,
          result.tenant,
          result.id,
          result.status,
          result.lane,
          result.provider,
          result.model,
          result.usage.inputTokens,
          result.usage.outputTokens,
          result.usage.cachedInputTokens ?? 0,
          result.cost.usd,
          result.error?.code ?? null,
          callIdOf(result) ?? null,
          result.timings.completedAt,
        ],
      );
      const claimed = await client.query(
        `insert into completions (tenant, request_id, result_id, status, lane, provider, model, cost_usd, realtime_cost_usd,
                                  saved_usd, received_at, completed_at, deadline, deadline_met, result)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb)
         on conflict (tenant, request_id) do nothing
         returning result_id`,
        [
          result.tenant,
          result.id,
          result.resultId,
          result.status,
          result.lane,
          result.provider,
          result.model,
          result.cost.usd,
          result.cost.realtimeUsd,
          result.cost.savedUsd,
          result.timings.receivedAt,
          result.timings.completedAt,
          result.deadline ?? null,
          result.deadlineMet ?? null,
          JSON.stringify(result),
        ],
      );
      if (claimed.rows.length === 0) {
        const { rows } = await client.query<{ result_id: string }>('select result_id from completions where tenant = $1 and request_id = $2', [
          result.tenant,
          result.id,
        ]);
        const winner = rows[0].result_id;
        return winner === result.resultId
          ? { outcome: 'already-booked', resultId: winner }
          : { outcome: 'superseded', resultId: result.resultId, winnerResultId: winner };
      }
      await client.query(
        `update requests
            set status = $3, lane = $4, cost_usd = $5, realtime_cost_usd = $6, saved_usd = $7, completed_at = $8,
                deadline_met = $9, result_id = $10, error_code = $11, updated_at = now()
          where tenant = $1 and id = $2`,
        [
          result.tenant,
          result.id,
          result.status,
          result.lane,
          result.cost.usd,
          result.cost.realtimeUsd,
          result.cost.savedUsd,
          result.timings.completedAt,
          result.deadlineMet ?? null,
          result.resultId,
          result.error?.code ?? null,
        ],
      );
      return { outcome: 'booked', resultId: result.resultId };
    });
  }

  /**
   * Records that the booked completion was published. The first call's time stays: a repeat after a
   * crash between publishing and this call publishes the same ids again and changes nothing here.
   */
  async markPublished(tenant: string, requestId: string): Promise<void> {
    await this.pool.query('update completions set published_at = coalesce(published_at, now()) where tenant = $1 and request_id = $2', [tenant, requestId]);
  }

  /**
   * `book` for many results in one statement, whatever their number (callers bound it), and one read
   * more when another call booked some of the requests first. Outcomes come back in input order. Of several results of one request in the call,
   * the first (in input order) is the one that may claim the completion; the others are
   * `already-booked` (the same result) or `superseded` against whichever won. Rows are written in
   * key order, so concurrent calls with overlapping requests wait on each other instead of
   * deadlocking, and exactly one of them books each request.
   */
  async bookMany(results: readonly InferenceResultV1[]): Promise<BulkBookingOutcome[]> {
    if (results.length === 0) return [];
    const firstOf = new Map<string, number>();
    results.forEach((result, index) => {
      const key = requestKey(result.tenant, result.id);
      if (!firstOf.has(key)) firstOf.set(key, index);
    });
    const claimants = [...firstOf.values()].map((index) => results[index]!).sort(compareResults);
    // Of several results with one id, the first is recorded; another call's copy is extra spend.
    const firstOfResult = new Map<string, InferenceResultV1>();
    for (const result of results) if (!firstOfResult.has(result.resultId)) firstOfResult.set(result.resultId, result);
    const recorded = [...firstOfResult.values()].sort((a, b) => compareKeys(a.resultId, b.resultId));
    const column = <T>(rows: readonly InferenceResultV1[], pick: (result: InferenceResultV1) => T): T[] => rows.map(pick);
    // One statement, so one round trip, atomic without a transaction: every result recorded, the first
    // result of each request claims its completion, and the requests whose claim won take its status
    // and costs. The completion columns are read from one JSON array of the results, which also is what
    // `result` stores: one JSON.stringify instead of the driver escaping every result into an array literal.
    const booked = await this.pool.query<{ kind: 'claimed' | 'recorded' | 'swept'; tenant: string | null; key: string; call_id: string | null }>(
      `with recorded as (
         insert into request_results (result_id, tenant, request_id, status, lane, provider, model, input_tokens,
                                      output_tokens, cached_input_tokens, cost_usd, error_code, provider_request_id, completed_at)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[],
                              $9::integer[], $10::integer[], $11::numeric[], $12::text[], $13::text[], $14::timestamptz[])
         on conflict (result_id) do nothing
         returning result_id
       ), claimed as (
         insert into completions (tenant, request_id, result_id, status, lane, provider, model, cost_usd, realtime_cost_usd,
                                  saved_usd, received_at, completed_at, deadline, deadline_met, result)
         select r->>'tenant', r->>'id', r->>'resultId', r->>'status', r->>'lane', r->>'provider', r->>'model',
                (r->'cost'->>'usd')::numeric, (r->'cost'->>'realtimeUsd')::numeric, (r->'cost'->>'savedUsd')::numeric,
                (r->'timings'->>'receivedAt')::timestamptz, (r->'timings'->>'completedAt')::timestamptz,
                (r->>'deadline')::timestamptz, (r->>'deadlineMet')::boolean, r
           from jsonb_array_elements($15::jsonb) as e(r)
         on conflict (tenant, request_id) do nothing
         returning tenant, request_id
       ), booked as (
         update requests r
            set status = u.status, lane = u.lane, cost_usd = u.cost_usd, realtime_cost_usd = u.realtime_cost_usd,
                saved_usd = u.saved_usd, completed_at = u.completed_at, deadline_met = u.deadline_met, result_id = u.result_id,
                error_code = u.error_code, updated_at = now()
           from unnest($16::text[], $17::text[], $18::text[], $19::text[], $20::numeric[], $21::numeric[], $22::numeric[],
                       $23::timestamptz[], $24::boolean[], $25::text[], $26::text[])
                as u(tenant, id, status, lane, cost_usd, realtime_cost_usd, saved_usd, completed_at, deadline_met, result_id, error_code)
           join claimed c on c.tenant = u.tenant and c.request_id = u.id
          where r.tenant = u.tenant and r.id = u.id
       ), answered as (
         update provider_calls p set answered_at = now()
           from unnest($27::uuid[]) as a(call_id)
          where p.call_id = a.call_id and p.answered_at is null
         returning p.tenant, p.request_id, p.call_id, p.swept_at
       )
       select 'claimed' as kind, tenant, request_id as key, null as call_id from claimed
       union all
       select 'recorded', null, result_id, null from recorded
       union
       select 'swept', tenant, request_id, call_id::text from answered where swept_at is not null
       union
       select 'swept', p.tenant, p.request_id, p.call_id::text
         from provider_calls p join unnest($27::uuid[]) as a(call_id) on p.call_id = a.call_id
        where p.swept_at is not null`,
      [
        column(recorded, (r) => r.resultId),
        column(recorded, (r) => r.tenant),
        column(recorded, (r) => r.id),
        column(recorded, (r) => r.status),
        column(recorded, (r) => r.lane),
        column(recorded, (r) => r.provider),
        column(recorded, (r) => r.model),
        column(recorded, (r) => r.usage.inputTokens),
        column(recorded, (r) => r.usage.outputTokens),
        column(recorded, (r) => r.usage.cachedInputTokens ?? 0),
        column(recorded, (r) => r.cost.usd),
        column(recorded, (r) => r.error?.code ?? null),
        column(recorded, (r) => callIdOf(r) ?? null),
        column(recorded, (r) => r.timings.completedAt),
        JSON.stringify(claimants),
        column(claimants, (r) => r.tenant),
        column(claimants, (r) => r.id),
        column(claimants, (r) => r.status),
        column(claimants, (r) => r.lane),
        column(claimants, (r) => r.cost.usd),
        column(claimants, (r) => r.cost.realtimeUsd),
        column(claimants, (r) => r.cost.savedUsd),
        column(claimants, (r) => r.timings.completedAt),
        column(claimants, (r) => r.deadlineMet ?? null),
        column(claimants, (r) => r.resultId),
        column(claimants, (r) => r.error?.code ?? null),
        [...new Set(results.flatMap((r) => (r.callId === undefined ? [] : [r.callId])))].sort(),
      ],
    );
    const won = new Set(booked.rows.filter((row) => row.kind === 'claimed').map((row) => requestKey(row.tenant!, row.key)));
    const recordedNow = new Set(booked.rows.filter((row) => row.kind === 'recorded').map((row) => row.key));
    const extra = await this.bookExtraSpend(results, firstOfResult, recordedNow);
    await this.unbookSweptEstimates(booked.rows.filter((row) => row.kind === 'swept'));
    const lost = claimants.filter((r) => !won.has(requestKey(r.tenant, r.id)));
    const winners = new Map<string, { resultId: string; published: boolean }>();
    if (lost.length > 0) {
      // Claimed by a statement that has committed (ours waited for it), so the winners can be read.
      const { rows } = await this.pool.query<{ tenant: string; request_id: string; result_id: string; published: boolean }>(
        `select c.tenant, c.request_id, c.result_id, c.published_at is not null as published
           from completions c join unnest($1::text[], $2::text[]) as k(tenant, id) on c.tenant = k.tenant and c.request_id = k.id`,
        [column(lost, (r) => r.tenant), column(lost, (r) => r.id)],
      );
      for (const row of rows) winners.set(requestKey(row.tenant, row.request_id), { resultId: row.result_id, published: row.published });
    }
    return results.map((result, index): BulkBookingOutcome => {
      const key = requestKey(result.tenant, result.id);
      const first = firstOf.get(key)!;
      const winner = won.has(key) ? { resultId: results[first]!.resultId, published: false } : winners.get(key);
      if (winner === undefined) throw new Error(`completion of ${result.tenant}/${result.id} conflicted but cannot be read`);
      const extraSpend = extra.get(index) === true;
      if (won.has(key) && index === first) return { outcome: 'booked', resultId: result.resultId, published: false, extraSpend };
      return winner.resultId === result.resultId
        ? { outcome: 'already-booked', resultId: result.resultId, published: winner.published, extraSpend }
        : { outcome: 'superseded', resultId: result.resultId, winnerResultId: winner.resultId, published: winner.published, extraSpend };
    });
  }

  /**
   * Removes the sweep's estimate of calls whose answer came after all (their actual cost is booked by
   * the statement that marked them answered, as a result or as extra spend), so each call is counted
   * once. A statement of its own, after the marking one: the marking waits for a sweep booking the
   * same call and so sees it swept, but that statement's snapshot cannot see the estimate it booked.
   * Runs only when a late answer came (rare) and again for a redelivered one, harmlessly.
   */
  private async unbookSweptEstimates(swept: ReadonlyArray<{ tenant: string | null; key: string; call_id: string | null }>): Promise<void> {
    if (swept.length === 0) return;
    await this.pool.query(
      `delete from extra_spend e using unnest($1::text[], $2::text[], $3::text[]) as s(tenant, request_id, call_id)
        where e.tenant = s.tenant and e.request_id = s.request_id and e.provider_request_id = $4 || s.call_id`,
      [swept.map((row) => row.tenant), swept.map((row) => row.key), swept.map((row) => row.call_id), SWEPT_CALL_PREFIX],
    );
  }

  /**
   * Books as extra spend the provider calls of `results` that are not the call recorded for their
   * result id: a result that cost something and names another call than the recorded one. Only the
   * results that did not record their result id just now can be such, so a batch of new results
   * costs no statement here; otherwise one statement, idempotent on (request, call). Returns, by
   * index into `results`, the ones it booked now (the first of each call).
   */
  private async bookExtraSpend(
    results: readonly InferenceResultV1[],
    firstOfResult: ReadonlyMap<string, InferenceResultV1>,
    recordedNow: ReadonlySet<string>,
  ): Promise<Map<number, boolean>> {
    const candidates = new Map<string, { index: number; result: InferenceResultV1; callId: string }>();
    results.forEach((result, index) => {
      const callId = callIdOf(result);
      if (callId === undefined || result.cost.usd <= 0) return;
      if (recordedNow.has(result.resultId) && callIdOf(firstOfResult.get(result.resultId)!) === callId) return;
      const key = `${requestKey(result.tenant, result.id)}\u0000${callId}`;
      if (!candidates.has(key)) candidates.set(key, { index, result, callId });
    });
    const booked = new Map<number, boolean>();
    if (candidates.size === 0) return booked;
    // Key order, so two copies booking overlapping calls wait on each other instead of deadlocking.
    const rows = [...candidates].sort(([a], [b]) => compareKeys(a, b)).map(([, candidate]) => candidate);
    const column = <T>(pick: (candidate: (typeof rows)[number]) => T): T[] => rows.map(pick);
    const inserted = await this.pool.query<{ tenant: string; request_id: string; provider_request_id: string }>(
      `insert into extra_spend (tenant, request_id, provider_request_id, result_id, lane, provider, model, input_tokens,
                                output_tokens, cached_input_tokens, cost_usd, completed_at)
       select u.tenant, u.request_id, u.call_id, u.result_id, u.lane, u.provider, u.model, u.input_tokens,
              u.output_tokens, u.cached_input_tokens, u.cost_usd, u.completed_at
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[],
                     $9::integer[], $10::integer[], $11::numeric[], $12::timestamptz[])
              as u(tenant, request_id, call_id, result_id, lane, provider, model, input_tokens, output_tokens,
                   cached_input_tokens, cost_usd, completed_at)
         join request_results rr on rr.result_id = u.result_id
        where rr.provider_request_id is distinct from u.call_id
       on conflict (tenant, request_id, provider_request_id) do nothing
       returning tenant, request_id, provider_request_id`,
      [
        column((c) => c.result.tenant),
        column((c) => c.result.id),
        column((c) => c.callId),
        column((c) => c.result.resultId),
        column((c) => c.result.lane),
        column((c) => c.result.provider),
        column((c) => c.result.model),
        column((c) => c.result.usage.inputTokens),
        column((c) => c.result.usage.outputTokens),
        column((c) => c.result.usage.cachedInputTokens ?? 0),
        column((c) => c.result.cost.usd),
        column((c) => c.result.timings.completedAt),
      ],
    );
    for (const row of inserted.rows) {
      const candidate = candidates.get(`${requestKey(row.tenant, row.request_id)}\u0000${row.provider_request_id}`);
      if (candidate !== undefined) booked.set(candidate.index, true);
    }
    return booked;
  }

  /**
   * The completions booked for these requests, with their delivered results, in one query: the
   * realtime worker asks before calling a provider for a fetched batch of lane messages, and calls
   * for none of the requests that already have their result. In the same statement, the provider
   * call of each ref that has one and whose request is not booked is written ahead (`provider_calls`),
   * so a call cut off by a crash is still booked (sweepUnansweredCalls). That write commits without
   * waiting for its WAL to reach the disk (`synchronous_commit` off for this statement's transaction
   * only), so the calls do not wait on a disk flush: a row is lost only if PostgreSQL itself crashes
   * within a fraction of a second of it, and matters only if the worker crashed mid-call as well.
   */
  async bookedResults(refs: ReadonlyArray<BookedResultRef>): Promise<Map<string, BookedResult>> {
    if (refs.length === 0) return new Map();
    const calls = refs.filter((ref): ref is BookedResultRef & { call: CallAhead } => ref.call !== undefined);
    const column = <T>(pick: (ref: (typeof calls)[number]) => T): T[] => calls.map(pick);
    const { rows } = await this.pool.query<{ tenant: string; request_id: string; result: InferenceResultV1 | null; published: boolean }>(
      `with booked as (
         select c.tenant, c.request_id, c.result, c.published_at is not null as published
           from completions c join (select distinct * from unnest($1::text[], $2::text[])) as k(tenant, id)
                on c.tenant = k.tenant and c.request_id = k.id
       ), async_commit as (
         select set_config('synchronous_commit', 'off', true)
       ), started as (
         insert into provider_calls (call_id, tenant, request_id, result_id, lane, provider, model, estimated_cost_usd, expires_at)
         select w.* from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::numeric[],
                                $11::timestamptz[]) as w(call_id, tenant, request_id, result_id, lane, provider, model, estimate, expires_at)
          where not exists (select 1 from booked b where b.tenant = w.tenant and b.request_id = w.request_id)
            and exists (select 1 from async_commit)
         on conflict (call_id) do nothing
       )
       select * from booked`,
      [
        refs.map((ref) => ref.tenant),
        refs.map((ref) => ref.requestId),
        column((ref) => ref.call.callId),
        column((ref) => ref.tenant),
        column((ref) => ref.requestId),
        column((ref) => ref.call.resultId),
        column((ref) => ref.call.lane),
        column((ref) => ref.call.provider),
        column((ref) => ref.call.model),
        column((ref) => ref.call.estimatedCostUsd),
        column((ref) => ref.call.expiresAt),
      ],
    );
    return new Map(
      rows.map((row) => [
        requestKey(row.tenant, row.request_id),
        { tenant: row.tenant, requestId: row.request_id, result: row.result, published: row.published },
      ]),
    );
  }

  /**
   * Books the provider calls written ahead that no result answered by their expiry plus `graceMs`
   * (the worker died mid-call, after the provider may have billed it) as extra spend, one statement
   * for up to `limit` of them: at the cost and tokens of the request's own succeeded answer from the
   * same provider and model when it has one (an identical request, so the likeliest bill), else at the
   * router's estimate. Each is marked swept, so it is booked once; calls being answered right now are
   * skipped, not waited for. Returns how many it booked and their cost.
   */
  async sweepUnansweredCalls(graceMs: number, limit: number): Promise<{ calls: number; costUsd: number }> {
    const { rows } = await this.pool.query<{ calls: string; cost_usd: string | null }>(
      `with due as (
         update provider_calls p set swept_at = now()
          where p.call_id in (select call_id from provider_calls
                               where answered_at is null and swept_at is null and expires_at < now() - $1 * interval '1 millisecond'
                               order by expires_at limit $2 for update skip locked)
            and p.answered_at is null
         returning p.*
       ), booked as (
         insert into extra_spend (tenant, request_id, provider_request_id, result_id, lane, provider, model, input_tokens,
                                  output_tokens, cached_input_tokens, cost_usd, completed_at)
         select d.tenant, d.request_id, $3 || d.call_id, d.result_id, d.lane, d.provider, d.model,
                coalesce(a.input_tokens, 0), coalesce(a.output_tokens, 0), coalesce(a.cached_input_tokens, 0),
                coalesce(a.cost_usd, d.estimated_cost_usd), d.expires_at
           from due d
           left join lateral (select rr.input_tokens, rr.output_tokens, rr.cached_input_tokens, rr.cost_usd
                                from request_results rr
                               where rr.tenant = d.tenant and rr.request_id = d.request_id and rr.provider = d.provider
                                 and rr.model = d.model and rr.status = 'succeeded'
                               order by rr.completed_at limit 1) a on true
         on conflict (tenant, request_id, provider_request_id) do nothing
         returning cost_usd
       )
       select count(*) as calls, sum(cost_usd) as cost_usd from booked`,
      [graceMs, limit, SWEPT_CALL_PREFIX],
    );
    return { calls: Number(rows[0]?.calls ?? 0), costUsd: toNumber(rows[0]?.cost_usd ?? null) ?? 0 };
  }

  /**
   * Deletes up to `limit` calls answered and never swept: their bill is closed (the answer booked
   * them), and nothing reads them again. A swept call stays: a late or redelivered answer finds it to
   * take the sweep's estimate back. Returns how many it deleted.
   */
  async pruneAnsweredCalls(limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `delete from provider_calls
        where call_id in (select call_id from provider_calls where answered_at is not null and swept_at is null limit $1)
          and swept_at is null`,
      [limit],
    );
    return rowCount ?? 0;
  }

  /** `markPublished` for many requests, one statement per chunk. */
  async markPublishedMany(refs: ReadonlyArray<{ tenant: string; requestId: string }>): Promise<void> {
    for (const chunk of chunks(refs, PUBLISH_CHUNK)) {
      await this.pool.query(
        `update completions c set published_at = coalesce(c.published_at, now())
           from unnest($1::text[], $2::text[]) as k(tenant, request_id)
          where c.tenant = k.tenant and c.request_id = k.request_id`,
        [chunk.map((ref) => ref.tenant), chunk.map((ref) => ref.requestId)],
      );
    }
  }

  async get(tenant: string, requestId: string): Promise<CompletionRecord | undefined> {
    const { rows } = await this.pool.query<CompletionRow>('select * from completions where tenant = $1 and request_id = $2', [tenant, requestId]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /**
   * The result delivered for a tenant's request, as it was booked (and published): what the tenant may
   * read back. Undefined until the request is complete, for another tenant's request, and for
   * completions booked before results were stored.
   */
  async deliveredResult(tenant: string, requestId: string): Promise<InferenceResultV1 | undefined> {
    const { rows } = await this.pool.query<{ result: InferenceResultV1 | null }>('select result from completions where tenant = $1 and request_id = $2', [
      tenant,
      requestId,
    ]);
    return rows[0]?.result ?? undefined;
  }

  /** All results recorded for a request (the delivered one and any that lost the race), for billing. */
  async resultIdsOf(tenant: string, requestId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ result_id: string }>(
      'select result_id from request_results where tenant = $1 and request_id = $2 order by recorded_at, result_id',
      [tenant, requestId],
    );
    return rows.map((r) => r.result_id);
  }

  /**
   * The turnaround of every provider, model and lane with results since `since`, in one statement:
   * quantiles of the time from a request's start to each successful result, and the count of batch
   * items that expired. Every recorded result counts, the delivered one and any that lost a race: a
   * batch answer that came after its request was escalated is exactly the slow answer the router must
   * learn about. A request starts when it is received, or at its `notBefore` when it waited for one:
   * the router plans from that start, and a request held for an off-peak window must not make its lane
   * look hours slower.
   */
  async turnarounds(since: Date, quantiles: readonly number[]): Promise<LaneTurnarounds[]> {
    const { rows } = await this.pool.query<{
      provider: string;
      model: string;
      lane: Exclude<Lane, 'cache'>;
      answered: number;
      expired: number;
      quantiles: number[] | null;
    }>(
      `select r.provider, r.model, r.lane,
              count(*) filter (where r.status = 'succeeded')::int as answered,
              count(*) filter (where r.status = 'failed' and r.error_code = 'BATCH_EXPIRED')::int as expired,
              percentile_cont($2::float8[]) within group (
                order by greatest(0, extract(epoch from r.completed_at - greatest(q.received_at, q.not_before)) * 1000))
                filter (where r.status = 'succeeded') as quantiles
         from request_results r
         join requests q on q.tenant = r.tenant and q.id = r.request_id
        where r.completed_at >= $1 and r.lane <> 'cache'
        group by r.provider, r.model, r.lane`,
      [since, quantiles],
    );
    return rows.map((row) => ({
      provider: row.provider,
      model: row.model,
      lane: row.lane,
      answered: row.answered,
      expired: row.expired,
      quantilesMs: row.quantiles ?? [],
    }));
  }

  /**
   * A tenant's spending (every tenant's with `tenant` null: the operator console) per UTC day and lane, for completions in [from, to):
   * - `requests`: requests completed (their delivered result, in the lane that delivered it);
   * - `results`, `costUsd`: every result providers produced and billed, delivered or superseded,
   *   in the lane that produced it: what was really spent;
   * - `supersededCostUsd`: the part of `costUsd` spent on results that lost a race and were never delivered;
   * - `extraCalls`, `extraCostUsd`: provider calls billed a second time for one result (a lane message
   *   redelivered after a crash and answered again), booked in `extra_spend`; part of `costUsd`;
   * - `realtimeCostUsd`: what the completed requests would have cost on the realtime lane at list price,
   *   counted once per request, with the lane that delivered;
   * - `savedUsd`: realtimeCostUsd - costUsd, which can be negative in a lane whose results were
   *   all superseded. Summed over lanes it is the honest saving against sending everything realtime.
   * Sums are the ledger's exact `numeric`, converted once.
   */
  async dailyCosts(tenant: string | null, from: Date, to: Date): Promise<DailyLaneCost[]> {
    const { rows } = await this.pool.query<{
      day: string;
      lane: Lane;
      requests: string;
      results: string;
      cost: string;
      superseded: string;
      extra_calls: string;
      extra: string;
      realtime: string;
      saved: string;
    }>(
      `with billed as (
         select to_char(rr.completed_at at time zone 'UTC', 'YYYY-MM-DD') as day, rr.lane, count(*) as results,
                sum(rr.cost_usd) as cost, sum(rr.cost_usd) filter (where c.result_id is null) as superseded
           from request_results rr
           left join completions c on c.tenant = rr.tenant and c.request_id = rr.request_id and c.result_id = rr.result_id
          where ($1::text is null or rr.tenant = $1) and rr.completed_at >= $2 and rr.completed_at < $3
          group by 1, 2),
       extra as (
         select to_char(completed_at at time zone 'UTC', 'YYYY-MM-DD') as day, lane, count(*) as calls, sum(cost_usd) as cost
           from extra_spend
          where ($1::text is null or tenant = $1) and completed_at >= $2 and completed_at < $3
          group by 1, 2),
       delivered as (
         select to_char(completed_at at time zone 'UTC', 'YYYY-MM-DD') as day, lane, count(*) as requests,
                sum(realtime_cost_usd) as realtime
           from completions
          where ($1::text is null or tenant = $1) and completed_at >= $2 and completed_at < $3
          group by 1, 2),
       days as (
         select day, lane from billed union select day, lane from extra union select day, lane from delivered)
       select k.day, k.lane,
              coalesce(d.requests, 0) as requests, coalesce(b.results, 0) as results,
              coalesce(b.cost, 0) + coalesce(x.cost, 0) as cost, coalesce(b.superseded, 0) as superseded,
              coalesce(x.calls, 0) as extra_calls, coalesce(x.cost, 0) as extra, coalesce(d.realtime, 0) as realtime,
              coalesce(d.realtime, 0) - coalesce(b.cost, 0) - coalesce(x.cost, 0) as saved
         from days k
         left join billed b on b.day = k.day and b.lane = k.lane
         left join extra x on x.day = k.day and x.lane = k.lane
         left join delivered d on d.day = k.day and d.lane = k.lane
        order by 1, 2`,
      [tenant, from, to],
    );
    return rows.map((row) => ({
      day: row.day,
      lane: row.lane,
      requests: Number(row.requests),
      results: Number(row.results),
      costUsd: Number(row.cost),
      supersededCostUsd: Number(row.superseded),
      extraCalls: Number(row.extra_calls),
      extraCostUsd: Number(row.extra),
      realtimeCostUsd: Number(row.realtime),
      savedUsd: Number(row.saved),
    }));
  }

  /** Spend of delivered completions for a tenant since an instant: the "cost saved" report and budget caps. */
  async spendSince(tenant: string, since: Date): Promise<SpendSummary> {
    const { rows } = await this.pool.query<{ requests: string; cost: string | null; realtime: string | null; saved: string | null }>(
      `select count(*) as requests, sum(cost_usd) as cost, sum(realtime_cost_usd) as realtime, sum(saved_usd) as saved
         from completions where tenant = $1 and completed_at >= $2`,
      [tenant, since],
    );
    const row = rows[0];
    return {
      requests: Number(row.requests),
      costUsd: toNumber(row.cost) ?? 0,
      realtimeCostUsd: toNumber(row.realtime) ?? 0,
      savedUsd: toNumber(row.saved) ?? 0,
    };
  }

  /**
   * What each of `tenants` was charged for completions booked since `since`, in one query; a tenant
   * without any is absent from the answer. The router reads its budgeted tenants' day this way.
   */
  async costsSince(tenants: readonly string[], since: Date): Promise<Map<string, number>> {
    if (tenants.length === 0) return new Map();
    const { rows } = await this.pool.query<{ tenant: string; cost: string | null }>(
      `select tenant, sum(cost_usd) as cost from completions where tenant = any($1::text[]) and completed_at >= $2 group by tenant`,
      [tenants, since],
    );
    return new Map(rows.map((row) => [row.tenant, toNumber(row.cost) ?? 0]));
  }
}
