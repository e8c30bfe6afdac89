import { Pool } from 'pg';

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface NewWebhookDelivery {
  /** The lifecycle event id: stable, so a re-emitted event never becomes a second delivery. */
  eventId: string;
  tenant: string;
  requestId: string;
  url: string;
  payload: Record<string, unknown>;
  notBefore?: Date;
}

export interface WebhookDelivery {
  eventId: string;
  tenant: string;
  requestId: string;
  url: string;
  payload: Record<string, unknown>;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

interface WebhookRow {
  event_id: string;
  tenant: string;
  request_id: string;
  url: string;
  payload: Record<string, unknown>;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

function toDelivery(row: WebhookRow): WebhookDelivery {
  return {
    eventId: row.event_id,
    tenant: row.tenant,
    requestId: row.request_id,
    url: row.url,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

/** How much of the delivery capacity one tenant may hold. */
export interface TenantShare {
  /** Deliveries one tenant may have in flight at once. */
  perTenant: number;
  /** What the claimer has in flight now, by tenant. */
  inFlight: ReadonlyMap<string, number>;
}

export class WebhookDeliveriesRepository {
  constructor(private readonly pool: Pool) {}

  /** Queues a delivery once per event id. Returns false when that event was already queued. */
  async enqueue(delivery: NewWebhookDelivery): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `insert into webhook_deliveries (event_id, tenant, request_id, url, payload, next_attempt_at)
       values ($1, $2, $3, $4, $5, coalesce($6, now()))
       on conflict (event_id) do nothing`,
      [delivery.eventId, delivery.tenant, delivery.requestId, delivery.url, JSON.stringify(delivery.payload), delivery.notBefore ?? null],
    );
    return rowCount === 1;
  }

  /**
   * `enqueue` for many deliveries in one statement; returns the event ids queued by this call (an
   * event queued before, or twice in the call, is queued once). Callers bound the number.
   */
  async enqueueMany(deliveries: readonly NewWebhookDelivery[]): Promise<Set<string>> {
    if (deliveries.length === 0) return new Set();
    const { rows } = await this.pool.query<{ event_id: string }>(
      `insert into webhook_deliveries (event_id, tenant, request_id, url, payload, next_attempt_at)
       select event_id, tenant, request_id, url, payload, coalesce(not_before, now())
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
              as d(event_id, tenant, request_id, url, payload, not_before)
        order by event_id
       on conflict (event_id) do nothing
       returning event_id`,
      [
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.tenant),
        deliveries.map((d) => d.requestId),
        deliveries.map((d) => d.url),
        deliveries.map((d) => JSON.stringify(d.payload)),
        deliveries.map((d) => d.notBefore ?? null),
      ],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /**
   * Claims up to `limit` due deliveries for one attempt each. The claim pushes their next attempt a
   * lease into the future, so other notifier replicas skip them, and a replica that dies mid-attempt
   * only delays them by the lease. SKIP LOCKED keeps concurrent claimers from waiting on each other.
   * Tenants take turns (each one's oldest first, then each one's second, …), so a tenant with a long
   * backlog does not fill a claim; `share` caps what one tenant may have in flight at once, counting
   * what the caller already has in flight for it.
   */
  async claimDue(limit: number, leaseMs: number, now: Date = new Date(), share?: TenantShare): Promise<WebhookDelivery[]> {
    const busy = [...(share?.inFlight ?? new Map<string, number>())];
    const { rows } = await this.pool.query<WebhookRow>(
      `update webhook_deliveries
          set attempts = attempts + 1, next_attempt_at = $2::timestamptz + make_interval(secs => $3::float8 / 1000)
        where event_id in (
          select picked.event_id
            from (select due.event_id, due.next_attempt_at,
                         row_number() over (partition by due.tenant order by due.next_attempt_at, due.event_id) as turn
                    from (select distinct tenant from webhook_deliveries where status = 'pending' and next_attempt_at <= $2) tenants
                    left join unnest($5::text[], $6::int[]) as busy(tenant, in_flight) on busy.tenant = tenants.tenant
                    cross join lateral (
                      select event_id, tenant, next_attempt_at from webhook_deliveries
                       where tenant = tenants.tenant and status = 'pending' and next_attempt_at <= $2
                       order by next_attempt_at
                       limit greatest(0, least($1::int, $4::int - coalesce(busy.in_flight, 0)))
                       for update skip locked) due) picked
           order by picked.turn, picked.next_attempt_at
           limit $1)
        returning *`,
      [limit, now, leaseMs, share?.perTenant ?? null, busy.map(([tenant]) => tenant), busy.map(([, count]) => count)],
    );
    return rows.map(toDelivery).sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.eventId.localeCompare(b.eventId));
  }

  async markDelivered(eventId: string, statusCode: number): Promise<void> {
    await this.pool.query(
      `update webhook_deliveries set status = 'delivered', last_status_code = $2, last_error = null, delivered_at = now()
        where event_id = $1 and status = 'pending'`,
      [eventId, statusCode],
    );
  }

  /** A failed attempt: retried at `retryAt`, or given up on (`dead`) when there is none. */
  async markFailed(eventId: string, failure: { statusCode?: number | null; error: string; retryAt?: Date | null }): Promise<void> {
    await this.pool.query(
      `update webhook_deliveries
          set status = case when $4::timestamptz is null then 'dead' else 'pending' end,
              next_attempt_at = coalesce($4, next_attempt_at), last_status_code = $2, last_error = $3
        where event_id = $1 and status = 'pending'`,
      [eventId, failure.statusCode ?? null, failure.error.slice(0, 4096), failure.retryAt ?? null],
    );
  }

  async get(eventId: string): Promise<WebhookDelivery | undefined> {
    const { rows } = await this.pool.query<WebhookRow>('select * from webhook_deliveries where event_id = $1', [eventId]);
    return rows[0] === undefined ? undefined : toDelivery(rows[0]);
  }
}
