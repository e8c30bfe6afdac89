import { Pool } from 'pg';
import { AcceptedRequestV1, Lane, LaneWeighingsV1, Operation, Provider, RequestMode, ResultStatus } from '@sluice/contracts';
import { requestFingerprint } from '../hashing/ledger.hashing';
import type { CoalescingKey } from './coalescing.repository';
import type { HeldLaneMessage } from './held-lane-message.types';
import { chunks, toInstant, toNumber } from './row.mapping';

export const REQUEST_STATUSES = ['accepted', 'routed', 'queued', 'batched', 'submitted', 'escalated', 'succeeded', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface NewRequestRecord {
  tenant: string;
  id: string;
  bodyHash: string;
  provider: Provider;
  operation: Operation;
  model: string;
  mode: RequestMode;
  receivedAt: Date | string;
  deadline?: Date | string | null;
  notBefore?: Date | string | null;
  replyTo?: string | null;
  webhookUrl?: string | null;
  metadata?: Record<string, string>;
  /** The bulk job and line the request came from, for requests posted as a job. */
  job?: JobLine;
}

/** Where in a bulk job a request came from: the job's id and the request's 1-based line in the upload. */
export interface JobLine {
  id: string;
  line: number;
}

export interface RequestRecord {
  tenant: string;
  id: string;
  bodyHash: string;
  provider: Provider;
  operation: Operation;
  model: string;
  mode: RequestMode;
  status: RequestStatus;
  lane: Lane | null;
  decisionReason: string | null;
  estimatedCostUsd: number | null;
  realtimeCostUsd: number | null;
  costUsd: number | null;
  savedUsd: number | null;
  deadline: Date | null;
  notBefore: Date | null;
  receivedAt: Date;
  routedAt: Date | null;
  completedAt: Date | null;
  deadlineMet: boolean | null;
  resultId: string | null;
  errorCode: string | null;
  replyTo: string | null;
  webhookUrl: string | null;
  metadata: Record<string, string>;
  /** The key the router claimed the request under when it may use the cache; null when it may not. */
  cacheKey: CoalescingKey | null;
  /** Absent for requests that were not posted as part of a job. */
  job?: JobLine;
  updatedAt: Date;
  /** The numbers each lane was weighed with when the router chose one (absent for decisions made without weighing). */
  routingLanes?: LaneWeighingsV1;
}

/** One request's routing decision, for `routeMany`. */
export interface RoutingUpdate {
  tenant: string;
  id: string;
  routing: RoutingRecord;
  /** `queued` for a request held for its notBefore or waiting behind an identical request. */
  status: RequestStatus;
}

/** `created`: first time; `duplicate`: same id and same content again; `conflict`: same id, different content. */
export type InsertRequestOutcome = { outcome: 'created' | 'duplicate' | 'conflict'; request: RequestRecord };

export interface RoutingRecord {
  lane: Lane;
  reason: string;
  estimatedCostUsd: number;
  realtimeCostUsd: number;
  routedAt: Date | string;
  /** The effective deadline after policy defaults, when it differs from what the request asked for. */
  deadline?: Date | string | null;
  /**
   * The key `coalescing.claimOrJoin` was called with, for a request that may use the cache: the
   * notifier stores the answer and releases the waiting followers under it.
   */
  cacheKey?: CoalescingKey | null;
  /** Each lane's price, miss probability and expected cost, so a decision sent again is the same event. */
  lanes?: LaneWeighingsV1 | null;
}

interface RequestRow {
  tenant: string;
  id: string;
  body_hash: string;
  provider: Provider;
  operation: Operation;
  model: string;
  mode: RequestMode;
  status: RequestStatus;
  lane: Lane | null;
  decision_reason: string | null;
  estimated_cost_usd: string | null;
  realtime_cost_usd: string | null;
  cost_usd: string | null;
  saved_usd: string | null;
  deadline: Date | null;
  not_before: Date | null;
  received_at: Date;
  routed_at: Date | null;
  completed_at: Date | null;
  deadline_met: boolean | null;
  result_id: string | null;
  error_code: string | null;
  reply_to: string | null;
  webhook_url: string | null;
  metadata: Record<string, string>;
  cache_scope: string | null;
  cache_content_hash: string | null;
  job_id: string | null;
  job_line: number | null;
  routing_lanes: LaneWeighingsV1 | null;
  updated_at: Date;
}

function toRecord(row: RequestRow): RequestRecord {
  return {
    tenant: row.tenant,
    id: row.id,
    bodyHash: row.body_hash,
    provider: row.provider,
    operation: row.operation,
    model: row.model,
    mode: row.mode,
    status: row.status,
    lane: row.lane,
    decisionReason: row.decision_reason,
    estimatedCostUsd: toNumber(row.estimated_cost_usd),
    realtimeCostUsd: toNumber(row.realtime_cost_usd),
    costUsd: toNumber(row.cost_usd),
    savedUsd: toNumber(row.saved_usd),
    deadline: row.deadline,
    notBefore: row.not_before,
    receivedAt: row.received_at,
    routedAt: row.routed_at,
    completedAt: row.completed_at,
    deadlineMet: row.deadline_met,
    resultId: row.result_id,
    errorCode: row.error_code,
    replyTo: row.reply_to,
    webhookUrl: row.webhook_url,
    metadata: row.metadata,
    cacheKey: row.cache_scope === null || row.cache_content_hash === null ? null : { scope: row.cache_scope, contentHash: row.cache_content_hash },
    ...(row.job_id !== null && row.job_line !== null && { job: { id: row.job_id, line: row.job_line } }),
    ...(row.routing_lanes !== null && row.routing_lanes !== undefined && { routingLanes: row.routing_lanes }),
    updatedAt: row.updated_at,
  };
}

/** The ledger row for an accepted request, fingerprinted for idempotency (pass the fingerprint when it is known already). */
export function requestRecordFromAccepted(accepted: AcceptedRequestV1, fingerprint = requestFingerprint(accepted.request)): NewRequestRecord {
  const { request } = accepted;
  return {
    tenant: request.tenant,
    id: request.id,
    bodyHash: fingerprint,
    provider: request.provider,
    operation: request.operation,
    model: request.body.model,
    mode: request.mode,
    receivedAt: accepted.receivedAt,
    deadline: accepted.deadline ?? null,
    notBefore: request.notBefore ?? null,
    replyTo: request.replyTo ?? null,
    webhookUrl: request.webhook?.url ?? null,
    metadata: request.metadata ?? {},
  };
}

const TERMINAL = "('succeeded', 'failed')";

// Rows per multi-row insert: the statement takes one array per column, so its size is bounded by
// memory and the time one statement holds its locks, not by the parameter limit.
const INSERT_CHUNK = 1_000;

function keyOf(tenant: string, id: string): string {
  return `${tenant}\u0000${id}`;
}

/** The key of a request in the maps bulk reads return. */
export function requestKey(tenant: string, id: string): string {
  return keyOf(tenant, id);
}

function compareKeys(a: NewRequestRecord, b: NewRequestRecord): number {
  if (a.tenant !== b.tenant) return a.tenant < b.tenant ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function compareRefs(a: { tenant: string; id: string }, b: { tenant: string; id: string }): number {
  if (a.tenant !== b.tenant) return a.tenant < b.tenant ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class RequestsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Records a request once per (tenant, id). Concurrent inserts of one id are safe: the loser waits
   * for the winner's commit, inserts nothing, and then compares fingerprints with the winner's row.
   */
  async insert(request: NewRequestRecord): Promise<InsertRequestOutcome> {
    const inserted = await this.pool.query<RequestRow>(
      `insert into requests (tenant, id, body_hash, provider, operation, model, mode, received_at, deadline, not_before,
                             reply_to, webhook_url, metadata, job_id, job_line)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       on conflict (tenant, id) do nothing
       returning *`,
      [
        request.tenant,
        request.id,
        request.bodyHash,
        request.provider,
        request.operation,
        request.model,
        request.mode,
        toInstant(request.receivedAt),
        toInstant(request.deadline),
        toInstant(request.notBefore),
        request.replyTo ?? null,
        request.webhookUrl ?? null,
        JSON.stringify(request.metadata ?? {}),
        request.job?.id ?? null,
        request.job?.line ?? null,
      ],
    );
    if (inserted.rows.length > 0) return { outcome: 'created', request: toRecord(inserted.rows[0]) };
    const existing = await this.get(request.tenant, request.id);
    if (existing === undefined) throw new Error(`request ${request.tenant}/${request.id} conflicted but cannot be read`);
    return { outcome: existing.bodyHash === request.bodyHash ? 'duplicate' : 'conflict', request: existing };
  }

  /**
   * Records many requests, each once per (tenant, id), in multi-row statements of up to INSERT_CHUNK
   * rows; outcomes come back in input order, with the same meaning as insert's. Rows are written in
   * key order, so two concurrent calls with overlapping ids wait on each other instead of deadlocking.
   * The same id twice in one call: the first with the winning content is `created`, the others
   * `duplicate` or `conflict` against it.
   */
  async insertMany(requests: readonly NewRequestRecord[]): Promise<InsertRequestOutcome[]> {
    const outcomes: InsertRequestOutcome[] = [];
    for (const chunk of chunks(requests, INSERT_CHUNK)) outcomes.push(...(await this.insertChunk(chunk)));
    return outcomes;
  }

  private async insertChunk(requests: readonly NewRequestRecord[]): Promise<InsertRequestOutcome[]> {
    const sorted = [...requests].sort(compareKeys);
    const column = <T>(pick: (request: NewRequestRecord) => T): T[] => sorted.map(pick);
    const inserted = await this.pool.query<RequestRow>(
      `insert into requests (tenant, id, body_hash, provider, operation, model, mode, received_at, deadline, not_before,
                             reply_to, webhook_url, metadata, job_id, job_line)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $13::jsonb[],
                            $14::text[], $15::integer[])
       on conflict (tenant, id) do nothing
       returning *`,
      [
        column((r) => r.tenant),
        column((r) => r.id),
        column((r) => r.bodyHash),
        column((r) => r.provider),
        column((r) => r.operation),
        column((r) => r.model),
        column((r) => r.mode),
        column((r) => toInstant(r.receivedAt)),
        column((r) => toInstant(r.deadline)),
        column((r) => toInstant(r.notBefore)),
        column((r) => r.replyTo ?? null),
        column((r) => r.webhookUrl ?? null),
        column((r) => JSON.stringify(r.metadata ?? {})),
        column((r) => r.job?.id ?? null),
        column((r) => r.job?.line ?? null),
      ],
    );
    const created = new Map(inserted.rows.map((row) => [keyOf(row.tenant, row.id), toRecord(row)]));
    const missing = requests.filter((r) => !created.has(keyOf(r.tenant, r.id)));
    const existing = new Map<string, RequestRecord>();
    if (missing.length > 0) {
      const { rows } = await this.pool.query<RequestRow>(
        'select r.* from requests r join unnest($1::text[], $2::text[]) as k(tenant, id) on r.tenant = k.tenant and r.id = k.id',
        [missing.map((r) => r.tenant), missing.map((r) => r.id)],
      );
      for (const row of rows) existing.set(keyOf(row.tenant, row.id), toRecord(row));
    }
    const claimed = new Set<string>();
    return requests.map((request) => {
      const key = keyOf(request.tenant, request.id);
      const mine = created.get(key);
      if (mine !== undefined && !claimed.has(key) && mine.bodyHash === request.bodyHash) {
        claimed.add(key);
        return { outcome: 'created', request: mine };
      }
      const winner = mine ?? existing.get(key);
      if (winner === undefined) throw new Error(`request ${request.tenant}/${request.id} conflicted but cannot be read`);
      return { outcome: winner.bodyHash === request.bodyHash ? 'duplicate' : 'conflict', request: winner };
    });
  }

  async get(tenant: string, id: string): Promise<RequestRecord | undefined> {
    const { rows } = await this.pool.query<RequestRow>('select * from requests where tenant = $1 and id = $2', [tenant, id]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /**
   * The requests of many keys, read by one statement per chunk; keys the ledger does not know are
   * absent from the map, which is keyed by `requestKey(tenant, id)`.
   */
  async getMany(refs: ReadonlyArray<{ tenant: string; id: string }>): Promise<Map<string, RequestRecord>> {
    const found = new Map<string, RequestRecord>();
    for (const chunk of chunks(refs, INSERT_CHUNK)) {
      const { rows } = await this.pool.query<RequestRow>(
        'select r.* from requests r join (select distinct * from unnest($1::text[], $2::text[])) as k(tenant, id) on r.tenant = k.tenant and r.id = k.id',
        [chunk.map((ref) => ref.tenant), chunk.map((ref) => ref.id)],
      );
      for (const row of rows) found.set(requestKey(row.tenant, row.id), toRecord(row));
    }
    return found;
  }

  /** Records the routing decision; a request already completed keeps its final state. Returns whether it applied. */
  async recordRouting(tenant: string, id: string, routing: RoutingRecord, status: RequestStatus = 'routed'): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update requests
          set status = $3, lane = $4, decision_reason = $5, estimated_cost_usd = $6, realtime_cost_usd = $7,
              routed_at = $8, deadline = coalesce($9, deadline), cache_scope = coalesce($10, cache_scope),
              cache_content_hash = coalesce($11, cache_content_hash), updated_at = now()
        where tenant = $1 and id = $2 and status not in ${TERMINAL}`,
      [
        tenant,
        id,
        status,
        routing.lane,
        routing.reason,
        routing.estimatedCostUsd,
        routing.realtimeCostUsd,
        toInstant(routing.routedAt),
        toInstant(routing.deadline),
        routing.cacheKey?.scope ?? null,
        routing.cacheKey?.contentHash ?? null,
      ],
    );
    return rowCount === 1;
  }

  /**
   * Moves a request to a non-terminal status (batched, submitted, escalated…). Terminal statuses are
   * set only by booking a completion, and never overwritten: steps can arrive after the result.
   */
  async setStatus(tenant: string, id: string, status: Exclude<RequestStatus, ResultStatus>, lane?: Lane): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update requests set status = $3, lane = coalesce($4, lane), updated_at = now()
        where tenant = $1 and id = $2 and status not in ${TERMINAL}`,
      [tenant, id, status, lane ?? null],
    );
    return rowCount === 1;
  }

  /** `setStatus` for many requests in one statement per chunk (a batch of 50,000 moves together). */
  async setStatuses(refs: ReadonlyArray<{ tenant: string; id: string }>, status: Exclude<RequestStatus, ResultStatus>, lane?: Lane): Promise<number> {
    let changed = 0;
    for (const chunk of chunks(refs, 5_000)) {
      const { rowCount } = await this.pool.query(
        `update requests r set status = $3, lane = coalesce($4, r.lane), updated_at = now()
           from unnest($1::text[], $2::text[]) as u(tenant, id)
          where r.tenant = u.tenant and r.id = u.id and r.status not in ${TERMINAL}`,
        [chunk.map((ref) => ref.tenant), chunk.map((ref) => ref.id), status, lane ?? null],
      );
      changed += rowCount ?? 0;
    }
    return changed;
  }

  /** Open requests whose deadline falls before `before`, earliest first: input for the deadline guard. */
  async openWithDeadlineBefore(before: Date, limit = 1000): Promise<RequestRecord[]> {
    const { rows } = await this.pool.query<RequestRow>(
      `select * from requests
        where status not in ${TERMINAL} and deadline is not null and deadline < $1
        order by deadline limit $2`,
      [before, limit],
    );
    return rows.map(toRecord);
  }

  /**
   * `recordRouting` for many requests, and the lane messages of those held for their notBefore, in
   * one statement: a hold is written only when its request's routing applied (a request answered
   * meanwhile gets none), or, for a request not among `routings` (a redelivery of one routed and held
   * before), unconditionally. Holds are idempotent (the first one stays). Returns, in input order,
   * whether each routing applied; a request given twice applies its first routing only. Rows are
   * updated in key order, so concurrent calls over overlapping requests wait instead of deadlocking.
   */
  async routeMany(routings: readonly RoutingUpdate[], holds: readonly HeldLaneMessage[] = []): Promise<boolean[]> {
    if (routings.length === 0 && holds.length === 0) return [];
    const firsts = new Map<string, RoutingUpdate>();
    for (const update of routings) if (!firsts.has(keyOf(update.tenant, update.id))) firsts.set(keyOf(update.tenant, update.id), update);
    const sorted = [...firsts.values()].sort((a, b) => compareRefs(a, b));
    const column = <T>(pick: (update: RoutingUpdate) => T): T[] => sorted.map(pick);
    const holdColumn = <T>(pick: (held: HeldLaneMessage) => T): T[] => holds.map(pick);
    const { rows } = await this.pool.query<{ tenant: string; id: string }>(
      `with u as (
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[],
                              $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $19::jsonb[])
           as u(tenant, id, status, lane, reason, estimated_cost_usd, realtime_cost_usd, routed_at, deadline, cache_scope, cache_content_hash, lanes)
       ), routed as (
         update requests r
            set status = u.status, lane = u.lane, decision_reason = u.reason, estimated_cost_usd = u.estimated_cost_usd,
                realtime_cost_usd = u.realtime_cost_usd, routed_at = u.routed_at, deadline = coalesce(u.deadline, r.deadline),
                cache_scope = coalesce(u.cache_scope, r.cache_scope), cache_content_hash = coalesce(u.cache_content_hash, r.cache_content_hash),
                routing_lanes = u.lanes, updated_at = now()
           from u
          where r.tenant = u.tenant and r.id = u.id and r.status not in ${TERMINAL}
          returning r.tenant, r.id
       ), held as (
         insert into scheduled_lane_messages (tenant, request_id, lane, release_at, message, correlation_id, traceparent)
         select h.tenant, h.request_id, h.lane, h.release_at, h.message, h.correlation_id, h.traceparent
           from unnest($12::text[], $13::text[], $14::text[], $15::timestamptz[], $16::jsonb[], $17::text[], $18::text[])
             as h(tenant, request_id, lane, release_at, message, correlation_id, traceparent)
          where not exists (select 1 from u where u.tenant = h.tenant and u.id = h.request_id)
             or exists (select 1 from routed where routed.tenant = h.tenant and routed.id = h.request_id)
         on conflict (tenant, request_id) do nothing
       )
       select tenant, id from routed`,
      [
        column((u) => u.tenant),
        column((u) => u.id),
        column((u) => u.status),
        column((u) => u.routing.lane),
        column((u) => u.routing.reason),
        column((u) => u.routing.estimatedCostUsd),
        column((u) => u.routing.realtimeCostUsd),
        column((u) => toInstant(u.routing.routedAt)),
        column((u) => toInstant(u.routing.deadline)),
        column((u) => u.routing.cacheKey?.scope ?? null),
        column((u) => u.routing.cacheKey?.contentHash ?? null),
        holdColumn((h) => h.tenant),
        holdColumn((h) => h.requestId),
        holdColumn((h) => h.lane),
        holdColumn((h) => h.releaseAt),
        holdColumn((h) => JSON.stringify(h.message)),
        holdColumn((h) => h.correlationId ?? null),
        holdColumn((h) => h.traceparent ?? null),
        column((u) => (u.routing.lanes ? JSON.stringify(u.routing.lanes) : null)),
      ],
    );
    const applied = new Set(rows.map((row) => keyOf(row.tenant, row.id)));
    return routings.map((update) => firsts.get(keyOf(update.tenant, update.id)) === update && applied.has(keyOf(update.tenant, update.id)));
  }
}
