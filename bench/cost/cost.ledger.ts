import type { Pool } from 'pg';
import type { TokenUsage } from '@sluice/providers';
import type { RunRequest } from './cost.summary';
import type { LaneObservation } from './lane.observations';
import type { BenchLane } from './list.prices';

interface RequestRow {
  id: string;
  provider: string;
  model: string;
  received_at: Date;
  deadline: Date | null;
  lane: BenchLane | 'cache' | null;
  status: 'succeeded' | 'failed' | null;
  completed_at: Date | null;
  results: Array<{ lane: BenchLane | 'cache'; status: string; input: number; output: number; cached: number }>;
  escalated: boolean;
}

/**
 * What the ledger holds of a cost run: its requests with every answer a provider produced (one
 * query), and what each lane did for every model (the run's and the probes' requests, and their batches).
 */
export class CostLedger {
  constructor(private readonly pool: Pool) {}

  async answered(tenant: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('select count(*) as n from completions where tenant = $1', [tenant]);
    return Number(rows[0]?.n ?? 0);
  }

  /** Provider batches holding the tenants' requests that have not ended yet. */
  async openBatches(tenants: readonly string[]): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `select count(*) as n from batches b
        where b.status in ('open', 'pending', 'submitted', 'in_progress', 'finalizing')
          and exists (select 1 from batch_items bi where bi.batch_id = b.id and bi.tenant = any($1))`,
      [tenants],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The run's requests; `expected` gives the usage of those never answered, to price their counterfactuals. */
  async requests(tenant: string, expected: ReadonlyMap<string, TokenUsage>): Promise<RunRequest[]> {
    const { rows } = await this.pool.query<RequestRow>(
      `select r.id, r.provider, r.model, r.received_at, r.deadline, c.lane, c.status, c.completed_at,
              coalesce((select json_agg(json_build_object('lane', d.lane, 'status', d.status, 'input', d.input_tokens,
                                                          'output', d.output_tokens, 'cached', d.cached_input_tokens))
                          from request_results d where d.tenant = r.tenant and d.request_id = r.id), '[]') as results,
              exists (select 1 from batch_items bi where bi.tenant = r.tenant and bi.request_id = r.id and bi.status = 'escalated') as escalated
         from requests r
         left join completions c on c.tenant = r.tenant and c.request_id = r.id
        where r.tenant = $1`,
      [tenant],
    );
    return rows.map((row) => {
      const results = row.results.map((result) => ({
        lane: result.lane,
        succeeded: result.status === 'succeeded',
        usage: { inputTokens: result.input, outputTokens: result.output, cachedInputTokens: result.cached },
      }));
      const sentAtMs = row.received_at.getTime();
      return {
        id: row.id,
        provider: row.provider,
        model: row.model,
        sentAtMs,
        deadlineMs: row.deadline === null ? Number.POSITIVE_INFINITY : row.deadline.getTime() - sentAtMs,
        usage: results.find((result) => result.succeeded)?.usage ?? expected.get(row.id) ?? { inputTokens: 0, outputTokens: 0 },
        results,
        delivered:
          row.lane === null || row.completed_at === null
            ? null
            : { lane: row.lane, succeeded: row.status === 'succeeded', completedAtMs: row.completed_at.getTime() },
        escalated: row.escalated,
      };
    });
  }

  /**
   * Realtime and async: each answer of a request that never went near a batch, from its arrival to
   * its answer. Batch: each provider batch from its window's close to its last answer delivered on
   * the batch lane; a batch that expired, failed or had not ended never delivered.
   */
  async observations(tenants: readonly string[]): Promise<LaneObservation[]> {
    const answers = await this.pool.query<{ provider: string; model: string; lane: BenchLane; start: Date; end: Date }>(
      `select c.provider, c.model, c.lane, c.received_at as start, c.completed_at as end
         from completions c
        where c.tenant = any($1) and c.lane in ('realtime', 'async') and c.status = 'succeeded'
          and not exists (select 1 from batch_items bi where bi.tenant = c.tenant and bi.request_id = c.request_id)`,
      [tenants],
    );
    const batches = await this.pool.query<{ provider: string; model: string; start: Date; status: string; end: Date | null }>(
      `select b.provider, b.model, coalesce(b.submit_started_at, b.submitted_at, b.created_at) as start, b.status,
              coalesce((select max(c.completed_at) from batch_items bi
                          join completions c on c.tenant = bi.tenant and c.request_id = bi.request_id and c.lane = 'batch'
                         where bi.batch_id = b.id), b.resolved_at, b.completed_at) as end
         from batches b
        where b.id in (select batch_id from batch_items where tenant = any($1))`,
      [tenants],
    );
    return [
      ...answers.rows.map((row) => ({ provider: row.provider, model: row.model, lane: row.lane, startMs: row.start.getTime(), endMs: row.end.getTime() })),
      ...batches.rows.map((row) => ({
        provider: row.provider,
        model: row.model,
        lane: 'batch' as const,
        startMs: row.start.getTime(),
        endMs: row.status === 'completed' && row.end !== null ? row.end.getTime() : null,
      })),
    ];
  }
}
