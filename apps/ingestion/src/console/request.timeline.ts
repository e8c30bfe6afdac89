import type { RequestDetailRecord } from '@sluice/ledger';

/** One step of a request's life as the ledger recorded it. */
export interface TimelineEntry {
  at: string;
  /** The lifecycle event the step stands for (accepted, routed, batched, submitted, escalated, completed, failed) or a result's arrival. */
  type: string;
  detail: string;
}

// Steps recorded at the same instant keep the order a request lives them in.
const RANK: Record<string, number> = { accepted: 0, routed: 1, batched: 2, submitted: 3, escalated: 4, batch_ended: 5, result: 6, completed: 7, failed: 7 };

/**
 * A request's lifecycle rebuilt from its ledger rows, in time order: what `sluice.events.v1` said,
 * without reading the topic (which may have been trimmed by retention).
 */
export function requestTimeline(detail: RequestDetailRecord): TimelineEntry[] {
  const { request, batches, results, completion } = detail;
  const entries: Array<{ at: Date; type: string; detail: string }> = [
    { at: request.receivedAt, type: 'accepted', detail: `${request.provider} ${request.operation} ${request.model}, mode ${request.mode}` },
  ];
  if (request.routedAt !== null) {
    entries.push({ at: request.routedAt, type: 'routed', detail: `${request.lane ?? '?'} lane${request.decisionReason ? `: ${request.decisionReason}` : ''}` });
  }
  for (const batch of batches) {
    entries.push({ at: batch.createdAt, type: 'batched', detail: `batch ${batch.batchId}, attempt ${batch.attempt}` });
    if (batch.submittedAt !== null) entries.push({ at: batch.submittedAt, type: 'submitted', detail: `batch ${batch.batchId}` });
    if (batch.itemStatus === 'escalated')
      entries.push({ at: batch.itemUpdatedAt, type: 'escalated', detail: `out of batch ${batch.batchId} to the realtime lane` });
    if (batch.completedAt !== null)
      entries.push({ at: batch.completedAt, type: 'batch_ended', detail: `batch ${batch.batchId} ${batch.batchStatus}; this line ${batch.itemStatus}` });
  }
  for (const result of results) {
    const delivered = completion?.resultId === result.resultId;
    entries.push({
      at: result.completedAt,
      type: 'result',
      detail: `${result.status} on the ${result.lane} lane, $${result.costUsd.toFixed(12).replace(/\.?0+$/, '')}${delivered ? ', delivered' : ', billed, not delivered'}${result.errorCode ? ` (${result.errorCode})` : ''}`,
    });
  }
  if (completion !== null) {
    entries.push({ at: completion.completedAt, type: completion.status === 'succeeded' ? 'completed' : 'failed', detail: `by the ${completion.lane} lane` });
  }
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.at.getTime() - b.entry.at.getTime() || RANK[a.entry.type] - RANK[b.entry.type] || a.index - b.index)
    .map(({ entry }) => ({ at: entry.at.toISOString(), type: entry.type, detail: entry.detail }));
}
