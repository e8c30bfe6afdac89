import { LaneRequestV1 } from '@sluice/contracts';
import type { BatchesRepository, BatchItemRecord, RequestsRepository } from '@sluice/ledger';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { type BatchRef, escalatedEvent } from '../events/batch-events';
import type { AggregatorPublisher, Escalation } from '../events/aggregator.publisher';
import { escalationOf } from './escalation.message';

export interface EscalatorDeps {
  publisher: Pick<AggregatorPublisher, 'escalations'>;
  batches: Pick<BatchesRepository, 'escalateItems'>;
  requests: Pick<RequestsRepository, 'setStatuses'>;
  metrics: Pick<AggregatorMetrics, 'escalated'>;
  clock: () => Date;
}

/**
 * Re-issues batched requests on the realtime lane. The lane message is published before the ledger
 * marks the item escalated: a crash in between escalates it again with the same ids (at worst one
 * more provider call, booked once), never leaves it unescalated. Whichever result arrives first is
 * delivered; the notifier books the other for its cost only.
 */
export class Escalator {
  constructor(private readonly deps: EscalatorDeps) {}

  /** Requests still waiting in a window, not recorded in any batch: their next attempt follows the lane message's. */
  async fromWindow(laneRequests: readonly LaneRequestV1[], reason: string): Promise<void> {
    if (laneRequests.length === 0) return;
    const at = this.deps.clock();
    await this.deps.publisher.escalations(laneRequests.map((laneRequest) => this.escalation(laneRequest, reason, laneRequest.routing.attempt + 1, at)));
    await this.deps.requests.setStatuses(
      laneRequests.map(({ request }) => ({ tenant: request.tenant, id: request.id })),
      'escalated',
    );
    this.deps.metrics.escalated(reason, laneRequests.length);
  }

  /** Pending items of a recorded batch; returns how many were escalated. */
  async fromBatch(batch: BatchRef, items: readonly BatchItemRecord[], reason: string): Promise<number> {
    const escalating = items.filter((item) => item.status === 'pending' && item.payload !== null);
    if (escalating.length === 0) return 0;
    const at = this.deps.clock();
    await this.deps.publisher.escalations(escalating.map((item) => this.escalation(item.payload as LaneRequestV1, reason, item.attempt + 1, at, batch)));
    const changed = await this.deps.batches.escalateItems(
      batch.id,
      escalating.map((item) => item.customId),
    );
    await this.deps.requests.setStatuses(
      escalating.map((item) => ({ tenant: item.tenant, id: item.requestId })),
      'escalated',
    );
    this.deps.metrics.escalated(reason, changed.length);
    return changed.length;
  }

  private escalation(laneRequest: LaneRequestV1, reason: string, attempt: number, at: Date, batch?: BatchRef): Escalation {
    return { laneRequest: escalationOf(laneRequest, reason, attempt, at), event: escalatedEvent(laneRequest, reason, attempt, at, batch) };
  }
}
