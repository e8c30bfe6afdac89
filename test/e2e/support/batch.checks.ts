import { Topics } from '@sluice/contracts';
import type { BillingRecord } from './emulator.admin';
import type { ResultValue, SluiceHarness } from './sluice.harness';

/** Every result on sluice.results.v1 for the tenant, grouped by request id, in arrival order. */
export function resultsByRequest(h: SluiceHarness, tenant: string): Map<string, ResultValue[]> {
  const byRequest = new Map<string, ResultValue[]>();
  for (const message of h.tap.forTenant(tenant, Topics.Results)) {
    const result = message.value as ResultValue;
    byRequest.set(result.id, [...(byRequest.get(result.id) ?? []), result]);
  }
  return byRequest;
}

/** Waits until every request of the list has at least one result, and returns them all. */
export async function awaitAllResults(h: SluiceHarness, tenant: string, ids: readonly string[], timeoutMs: number): Promise<Map<string, ResultValue[]>> {
  let missing = ids.length;
  return h.waitFor(
    () => {
      const byRequest = resultsByRequest(h, tenant);
      missing = ids.filter((id) => !byRequest.has(id)).length;
      return missing === 0 ? byRequest : undefined;
    },
    { timeoutMs, intervalMs: 250, description: () => `a result for each of ${ids.length} requests of ${tenant} (${missing} still without one)` },
  );
}

/** The emulator's batch-line records of this run whose custom id is one of `customIds`. */
export async function batchLines(h: SluiceHarness, customIds: ReadonlySet<string>): Promise<BillingRecord[]> {
  const records = await h.emulator.billingRecords(h.providerKeys.openai);
  return records.filter((record) => record.kind === 'batch_line' && typeof record.customId === 'string' && customIds.has(record.customId));
}

/**
 * The ledger's batches holding the tenant's requests, oldest first, with item counts by status. A
 * batch still `open` is a window filling, not a batch yet: left out.
 */
export async function ledgerBatches(
  h: SluiceHarness,
  tenant: string,
): Promise<Array<{ id: string; status: string; requestCount: number; items: Record<string, number>; attempts: number[] }>> {
  const { rows } = await h.ledger.pool.query<{ id: string; status: string; request_count: number; item_status: string; n: string; attempt: number }>(
    `select b.id, b.status, b.request_count, i.status as item_status, i.attempt, count(*) as n
       from batches b join batch_items i on i.batch_id = b.id
      where i.tenant = $1 and b.status <> 'open'
      group by b.id, b.status, b.request_count, i.status, i.attempt, b.created_at
      order by b.created_at, b.id`,
    [tenant],
  );
  const batches = new Map<string, { id: string; status: string; requestCount: number; items: Record<string, number>; attempts: number[] }>();
  for (const row of rows) {
    const batch = batches.get(row.id) ?? { id: row.id, status: row.status, requestCount: row.request_count, items: {}, attempts: [] };
    batch.items[row.item_status] = (batch.items[row.item_status] ?? 0) + Number(row.n);
    if (!batch.attempts.includes(row.attempt)) batch.attempts.push(row.attempt);
    batches.set(row.id, batch);
  }
  return [...batches.values()];
}

/** Whether the tenant's first batch has started at the emulator (in_progress or later), read from the emulator itself. */
export async function providerBatchStatus(h: SluiceHarness, tenant: string): Promise<'absent' | 'validating' | 'started'> {
  const { rows } = await h.ledger.pool.query<{ provider_batch_id: string | null }>(
    `select b.provider_batch_id from batches b join batch_items i on i.batch_id = b.id where i.tenant = $1 order by b.created_at limit 1`,
    [tenant],
  );
  const providerBatchId = rows[0]?.provider_batch_id;
  if (!providerBatchId) return 'absent';
  const response = await fetch(`${h.emulator.url}/v1/batches/${encodeURIComponent(providerBatchId)}`, {
    headers: { authorization: `Bearer ${h.providerKeys.openai}` },
  });
  if (!response.ok) throw new Error(`emulator GET /v1/batches/${providerBatchId}: ${response.status} ${await response.text()}`);
  const { status } = (await response.json()) as { status: string };
  return status === 'validating' ? 'validating' : 'started';
}
