import type { Pool } from 'pg';

/** What the ledger holds about one request of the replay: where it went, how it ended, what it cost. */
export interface RequestOutcome {
  id: string;
  /** The request's status in the ledger (accepted, routed, queued, batched, …, succeeded, failed). */
  status: string;
  /** The lane the router chose, and why. */
  routedLane: string | null;
  decisionReason: string | null;
  deadline: Date | null;
  /** The delivered result, booked once by the result-notifier; undefined while there is none. */
  completion?: {
    lane: string;
    status: 'succeeded' | 'failed';
    deadlineMet: boolean | null;
    receivedAt: Date;
    completedAt: Date;
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens: number;
  };
  /** Every result a provider produced for the request (an escalated request can have two, both billed). */
  results: number;
  billedUsd: number;
}

interface OutcomeRow {
  id: string;
  status: string;
  routed_lane: string | null;
  decision_reason: string | null;
  deadline: Date | null;
  lane: string | null;
  completion_status: 'succeeded' | 'failed' | null;
  deadline_met: boolean | null;
  received_at: Date | null;
  completed_at: Date | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_input_tokens: number | null;
  results: string;
  billed_usd: string;
}

/**
 * Reads a replay's outcomes from the ledger, the one place that knows what was delivered and what
 * was billed: requests (as routed), completions (as delivered, exactly once), request_results (every
 * answer a provider produced). The replay runs under a tenant of its own, so the tenant is the filter.
 */
export class LedgerOutcomes {
  constructor(private readonly pool: Pool) {}

  /** Requests of the tenant whose result has been booked. */
  async answered(tenant: string): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>('select count(*) as count from completions where tenant = $1', [tenant]);
    return Number(rows[0]?.count ?? 0);
  }

  async read(tenant: string): Promise<Map<string, RequestOutcome>> {
    const { rows } = await this.pool.query<OutcomeRow>(
      `select r.id, r.status, r.lane as routed_lane, r.decision_reason, r.deadline,
              c.lane, c.status as completion_status, c.deadline_met, c.received_at, c.completed_at,
              d.input_tokens, d.output_tokens, d.cached_input_tokens,
              coalesce(b.results, 0) as results, coalesce(b.billed_usd, 0) as billed_usd
         from requests r
         left join completions c on c.tenant = r.tenant and c.request_id = r.id
         left join request_results d on d.result_id = c.result_id
         left join (select request_id, count(*) as results, sum(cost_usd) as billed_usd
                      from request_results where tenant = $1 group by request_id) b on b.request_id = r.id
        where r.tenant = $1`,
      [tenant],
    );
    const outcomes = new Map<string, RequestOutcome>();
    for (const row of rows) {
      outcomes.set(row.id, {
        id: row.id,
        status: row.status,
        routedLane: row.routed_lane,
        decisionReason: row.decision_reason,
        deadline: row.deadline,
        ...(row.lane !== null &&
          row.completion_status !== null &&
          row.received_at !== null &&
          row.completed_at !== null && {
            completion: {
              lane: row.lane,
              status: row.completion_status,
              deadlineMet: row.deadline_met,
              receivedAt: row.received_at,
              completedAt: row.completed_at,
              inputTokens: row.input_tokens ?? 0,
              outputTokens: row.output_tokens ?? 0,
              cachedInputTokens: row.cached_input_tokens ?? 0,
            },
          }),
        results: Number(row.results),
        billedUsd: Number(row.billed_usd),
      });
    }
    return outcomes;
  }
}
