import { Pool } from 'pg';
import { withTransaction } from '../client/database.pool';
import type { RequestRef } from './coalescing.repository';
import type { HeldLane, HeldLaneMessage } from './held-lane-message.types';
import type { RequestStatus } from './requests.repository';

export type { HeldLane, HeldLaneMessage } from './held-lane-message.types';

/** A held message whose time has come, claimed for release. */
export interface DueLaneMessage extends HeldLaneMessage {
  message: Record<string, unknown>;
  /** Release attempts before this one. */
  attempts: number;
  /** The request's status now: one answered while it waited needs no lane. Null when the ledger has no such request. */
  requestStatus: RequestStatus | null;
}

/** A due message that could not be sent this time, and when to try it again. */
export interface RetryLater extends RequestRef {
  at: Date;
  error: string;
}

/** What the sender of a release did: every claimed message not listed in `retry` counts as released. */
export interface ReleaseReport {
  retry: readonly RetryLater[];
}

export interface ScheduledLaneMessage {
  tenant: string;
  requestId: string;
  lane: HeldLane;
  releaseAt: Date;
  /** Null once released: the payload is kept only as long as the hold. */
  message: Record<string, unknown> | null;
  correlationId: string | null;
  traceparent: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  releasedAt: Date | null;
}

interface ScheduledRow {
  tenant: string;
  request_id: string;
  lane: HeldLane;
  release_at: Date;
  message: Record<string, unknown> | null;
  correlation_id: string | null;
  traceparent: string | null;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  released_at: Date | null;
}

function toScheduled(row: ScheduledRow): ScheduledLaneMessage {
  return {
    tenant: row.tenant,
    requestId: row.request_id,
    lane: row.lane,
    releaseAt: row.release_at,
    message: row.message,
    correlationId: row.correlation_id,
    traceparent: row.traceparent,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    releasedAt: row.released_at,
  };
}

function toDue(row: ScheduledRow & { request_status: RequestStatus | null }): DueLaneMessage {
  if (row.message === null) throw new Error(`held message of ${row.tenant}/${row.request_id} has no payload`);
  return {
    tenant: row.tenant,
    requestId: row.request_id,
    lane: row.lane,
    releaseAt: row.release_at,
    message: row.message,
    ...(row.correlation_id === null ? {} : { correlationId: row.correlation_id }),
    ...(row.traceparent === null ? {} : { traceparent: row.traceparent }),
    attempts: row.attempts,
    requestStatus: row.request_status,
  };
}

const refId = (ref: RequestRef): string => `${ref.tenant}\u0000${ref.requestId}`;

export class ScheduledLaneMessagesRepository {
  constructor(private readonly pool: Pool) {}

  /** Holds a lane message once per request; a repeat (a redelivered request) changes nothing. Returns whether it was new. */
  async hold(held: HeldLaneMessage): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `insert into scheduled_lane_messages (tenant, request_id, lane, release_at, message, correlation_id, traceparent)
       values ($1, $2, $3, $4, $5::jsonb, $6, $7)
       on conflict (tenant, request_id) do nothing`,
      [held.tenant, held.requestId, held.lane, held.releaseAt, JSON.stringify(held.message), held.correlationId ?? null, held.traceparent ?? null],
    );
    return rowCount === 1;
  }

  /**
   * Releases up to `limit` held messages due at `now`, earliest first, in one transaction: claims
   * them (FOR UPDATE SKIP LOCKED, so concurrent releasers take different rows instead of waiting or
   * publishing the same ones), hands them to `send`, then marks the sent ones released, drops their
   * payload and moves their requests from `queued` to `routed`; the ones `send` reports for a retry
   * wait until the time it gives. Should `send` throw, nothing is marked and the rows stay due.
   * A crash after sending and before the commit leaves the rows due as well: at-least-once.
   */
  async releaseDue(
    now: Date,
    limit: number,
    send: (due: DueLaneMessage[]) => Promise<ReleaseReport>,
  ): Promise<{ released: DueLaneMessage[]; retried: RetryLater[] }> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<ScheduledRow & { request_status: RequestStatus | null }>(
        `select s.*, r.status as request_status
           from scheduled_lane_messages s
           left join requests r on r.tenant = s.tenant and r.id = s.request_id
          where s.released_at is null and s.release_at <= $1
          order by s.release_at
          limit $2
          for update of s skip locked`,
        [now, limit],
      );
      if (rows.length === 0) return { released: [], retried: [] };
      const due = rows.map(toDue);
      const report = await send(due);
      const claimed = new Set(due.map(refId));
      const retried = report.retry.filter((retry) => claimed.has(refId(retry)));
      const retryIds = new Set(retried.map(refId));
      const released = due.filter((message) => !retryIds.has(refId(message)));
      if (released.length > 0) {
        const tenants = released.map((m) => m.tenant);
        const ids = released.map((m) => m.requestId);
        await client.query(
          `update scheduled_lane_messages s
              set released_at = now(), message = null, attempts = s.attempts + 1, last_error = null
             from unnest($1::text[], $2::text[]) as d(tenant, request_id)
            where s.tenant = d.tenant and s.request_id = d.request_id`,
          [tenants, ids],
        );
        // Only a request still waiting moves on: one answered meanwhile keeps its final status.
        await client.query(
          `update requests r
              set status = 'routed', updated_at = now()
             from unnest($1::text[], $2::text[]) as d(tenant, request_id)
            where r.tenant = d.tenant and r.id = d.request_id and r.status = 'queued'`,
          [tenants, ids],
        );
      }
      if (retried.length > 0) {
        await client.query(
          `update scheduled_lane_messages s
              set release_at = d.at, attempts = s.attempts + 1, last_error = d.error
             from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) as d(tenant, request_id, at, error)
            where s.tenant = d.tenant and s.request_id = d.request_id`,
          [retried.map((r) => r.tenant), retried.map((r) => r.requestId), retried.map((r) => r.at), retried.map((r) => r.error.slice(0, 4096))],
        );
      }
      return { released, retried };
    });
  }

  async get(tenant: string, requestId: string): Promise<ScheduledLaneMessage | undefined> {
    const { rows } = await this.pool.query<ScheduledRow>('select * from scheduled_lane_messages where tenant = $1 and request_id = $2', [tenant, requestId]);
    return rows[0] === undefined ? undefined : toScheduled(rows[0]);
  }
}
