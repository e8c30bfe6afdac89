import { randomUUID } from 'node:crypto';
import { ErrorCode, InferenceResultV1, LaneRequestV1 } from '@sluice/contracts';
import type { BatchesRepository, BatchItemRecord, BatchRecord, ItemOutcome, NewBatchItem } from '@sluice/ledger';
import { type BatchResult, type ProviderAdapters, type ResultError, resultErrorOf } from '@sluice/providers';
import { TRACING_OFF, type RequestTracer, type SpanAttributes } from '@sluice/observability';
import type { Logger } from 'pino';
import type { Escalator } from '../escalation/escalator';
import { batchedEvent, laneSubject } from '../events/batch-events';
import type { AggregatorPublisher } from '../events/aggregator.publisher';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { batchFailedResult, batchSucceededResult, laneDeadlineOf } from './batch-result.builder';
import { planMissing, type MissingSettings } from './missing.plan';

export interface ResolverDeps {
  adapters: Pick<ProviderAdapters, 'batch'>;
  batches: Pick<BatchesRepository, 'get' | 'itemsByCustomId' | 'itemPages' | 'recordItemOutcomes' | 'resubmit' | 'markResolved'>;
  publisher: Pick<AggregatorPublisher, 'results' | 'events'>;
  escalator: Pick<Escalator, 'fromBatch'>;
  metrics: Pick<AggregatorMetrics, 'linesResolved' | 'resubmittedRequests'>;
  clock: () => Date;
  logger: Logger;
  /** A span per result, a child of the router's span its lane message carried (kept by the batch item). */
  tracer?: RequestTracer;
}

export type ResolverSettings = Omit<MissingSettings, 'nowMs' | 'resubmitMs'> & {
  /** What a further batch of this provider and model needs, from the batch lane's turnaround distribution. */
  resubmitMs: (provider: string, model: string) => number;
};

/** A new Sluice batch id: sortable by creation, unique without coordination. */
export function newBatchId(at: Date): string {
  return `batch_${at.getTime().toString(36)}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

const CHUNK = 500;

/** Why a line is missing when the batch as a whole ended without it. */
function batchLevelError(batch: BatchRecord): ResultError {
  switch (batch.status) {
    case 'expired':
      return { code: ErrorCode.BATCH_EXPIRED, message: 'the batch expired before this request ran', retryable: true };
    case 'cancelled':
      return { code: ErrorCode.BATCH_CANCELLED, message: 'the batch was cancelled before this request ran', retryable: true };
    case 'failed':
      return { code: ErrorCode.PROVIDER_ERROR, message: `the provider failed the batch: ${batch.error ?? 'no reason given'}`, retryable: true };
    default:
      return { code: ErrorCode.PROVIDER_ERROR, message: 'the batch ended without an answer for this request', retryable: true };
  }
}

/**
 * Finishes an ended batch: streams its result files, publishes one result per answered line (at the
 * batch price; a line answered after its request was escalated is published too, for its cost), and
 * sends what did not come back on: into a new batch while the deadline allows another turnaround,
 * else to the realtime lane; lines the provider refused fail. Re-running it after a crash skips what
 * was already published (the ledger has the result id) and repeats nothing else.
 */
export class BatchResolver {
  constructor(
    private readonly deps: ResolverDeps,
    private readonly settings: ResolverSettings,
  ) {}

  /** Returns the batch the missing lines were moved into, if any, for the caller to submit. */
  async resolve(batch: BatchRecord): Promise<BatchRecord | undefined> {
    const lineErrors = new Map<string, ResultError>();
    if (batch.providerBatchId !== null && batch.status !== 'failed') {
      let chunk: BatchResult[] = [];
      for await (const result of this.deps.adapters.batch(batch.provider).results(batch.providerBatchId)) {
        chunk.push(result);
        if (chunk.length >= CHUNK) {
          await this.publishChunk(batch, chunk, lineErrors);
          chunk = [];
        }
      }
      await this.publishChunk(batch, chunk, lineErrors);
    }
    const moved = await this.moveMissing(batch, lineErrors);
    await this.deps.batches.markResolved(batch.id);
    return moved;
  }

  private async publishChunk(batch: BatchRecord, chunk: readonly BatchResult[], lineErrors: Map<string, ResultError>): Promise<void> {
    if (chunk.length === 0) return;
    const items = new Map(
      (
        await this.deps.batches.itemsByCustomId(
          batch.id,
          chunk.map((r) => r.customId),
        )
      ).map((item) => [item.customId, item]),
    );
    const completedAt = this.deps.clock();
    const results: InferenceResultV1[] = [];
    const traced: Array<string | undefined> = [];
    const outcomes: ItemOutcome[] = [];
    const counts = { succeeded: 0, failed: 0, late: 0 };
    for (const line of chunk) {
      const item = items.get(line.customId);
      // Lines of another submitter, or already published before a restart.
      if (!item || item.resultId !== null || item.payload === null) continue;
      const laneRequest = item.payload as LaneRequestV1;
      if (item.status === 'escalated') {
        if (!line.ok) continue;
        const late = batchSucceededResult(laneRequest, item.attempt, line, completedAt);
        results.push(late);
        traced.push(item.traceparent ?? undefined);
        outcomes.push({ customId: item.customId, status: 'succeeded', resultId: late.resultId });
        counts.late += 1;
        continue;
      }
      if (line.ok) {
        const result = batchSucceededResult(laneRequest, item.attempt, line, completedAt);
        results.push(result);
        traced.push(item.traceparent ?? undefined);
        outcomes.push({ customId: item.customId, status: 'succeeded', resultId: result.resultId });
        counts.succeeded += 1;
        continue;
      }
      const error = resultErrorOf(line.error);
      if (error.retryable) {
        lineErrors.set(item.customId, error);
        continue;
      }
      const failed = batchFailedResult(laneRequest, item.attempt, error, completedAt);
      results.push(failed);
      traced.push(item.traceparent ?? undefined);
      outcomes.push({ customId: item.customId, status: 'failed', resultId: failed.resultId, errorCode: error.code });
      counts.failed += 1;
    }
    // Published before they are recorded: a crash in between publishes the same ids again, which the notifier books once.
    await this.publishTraced(batch, results, traced);
    await this.deps.batches.recordItemOutcomes(batch.id, outcomes);
    this.deps.metrics.linesResolved(batch, 'succeeded', counts.succeeded);
    this.deps.metrics.linesResolved(batch, 'failed', counts.failed);
    this.deps.metrics.linesResolved(batch, 'late', counts.late);
  }

  /** Publishes results, each with a span of its own under its request's trace, which the result carries on to the notifier. */
  private async publishTraced(batch: BatchRecord, results: readonly InferenceResultV1[], traceparents: readonly (string | undefined)[]): Promise<void> {
    if (results.length === 0) return;
    const spans = (this.deps.tracer ?? TRACING_OFF).batch(
      'batch-aggregator result',
      results.map((result, i) => ({ traceparent: traceparents[i], attributes: resultAttributes(result) })),
      { 'sluice.batch_id': batch.id, 'sluice.provider_batch_id': batch.providerBatchId ?? undefined },
    );
    try {
      await this.deps.publisher.results(
        results,
        spans.requests.map((span) => span.traceparent),
      );
    } catch (error) {
      for (const span of spans.requests) span.fail(error);
      throw error;
    } finally {
      spans.endAll();
    }
  }

  /** The items still pending once every result line was read. */
  private async pendingItems(batch: BatchRecord): Promise<BatchItemRecord[]> {
    const pending: BatchItemRecord[] = [];
    for await (const page of this.deps.batches.itemPages(batch.id, { status: 'pending' })) pending.push(...page);
    return pending;
  }

  private async moveMissing(batch: BatchRecord, lineErrors: ReadonlyMap<string, ResultError>): Promise<BatchRecord | undefined> {
    const missing = await this.pendingItems(batch);
    if (missing.length === 0) return undefined;
    const now = this.deps.clock();
    const fallback = batchLevelError(batch);
    const settings: MissingSettings = { ...this.settings, resubmitMs: this.settings.resubmitMs(batch.provider, batch.model), nowMs: now.getTime() };
    const resubmit: BatchItemRecord[] = [];
    const escalate = new Map<string, BatchItemRecord[]>();
    const failed: Array<{ item: BatchItemRecord; error: ResultError }> = [];
    for (const item of missing) {
      const error = lineErrors.get(item.customId) ?? fallback;
      const deadline = laneDeadlineOf(item.payload as LaneRequestV1);
      // A batch the provider failed as a whole says nothing about its lines: each gets the realtime lane's own verdict.
      const plan =
        batch.status === 'failed'
          ? { action: 'escalate' as const, reason: 'batch-failed' }
          : planMissing({ attempt: item.attempt, deadlineMs: deadline === undefined ? undefined : Date.parse(deadline), error }, settings);
      if (plan.action === 'resubmit') resubmit.push(item);
      else if (plan.action === 'escalate') escalate.set(plan.reason, [...(escalate.get(plan.reason) ?? []), item]);
      else failed.push({ item, error });
    }
    for (const [reason, items] of escalate) {
      const count = await this.deps.escalator.fromBatch(batch, items, reason);
      this.deps.metrics.linesResolved(batch, 'escalated', count);
    }
    if (failed.length > 0) {
      const results = failed.map(({ item, error }) => batchFailedResult(item.payload as LaneRequestV1, item.attempt, error, now));
      await this.publishTraced(
        batch,
        results,
        failed.map(({ item }) => item.traceparent ?? undefined),
      );
      await this.deps.batches.recordItemOutcomes(
        batch.id,
        failed.map(({ item, error }, i) => ({ customId: item.customId, status: 'failed' as const, resultId: results[i]!.resultId, errorCode: error.code })),
      );
      this.deps.metrics.linesResolved(batch, 'failed', failed.length);
    }
    return resubmit.length > 0 ? this.resubmit(batch, resubmit, now) : undefined;
  }

  private async resubmit(batch: BatchRecord, items: readonly BatchItemRecord[], now: Date): Promise<BatchRecord | undefined> {
    const adapter = this.deps.adapters.batch(batch.provider);
    let bytes = 0;
    const next: NewBatchItem[] = items.map((item) => {
      const line = adapter.buildLine(item.customId, (item.payload as LaneRequestV1).request.body, batch.operation);
      bytes += line.length;
      return {
        customId: item.customId,
        tenant: item.tenant,
        requestId: item.requestId,
        attempt: item.attempt + 1,
        deadline: item.deadline,
        payload: item.payload,
        line: line.toString('utf8'),
        traceparent: item.traceparent,
      };
    });
    let earliest: number | undefined;
    for (const item of items) if (item.deadline) earliest = Math.min(earliest ?? Number.POSITIVE_INFINITY, item.deadline.getTime());
    const id = newBatchId(now);
    const status = batch.status === 'cancelled' ? 'cancelled' : batch.status === 'expired' ? 'expired' : 'failed';
    const recorded = await this.deps.batches.resubmit(
      { batchId: batch.id, customIds: items.map((item) => item.customId), status },
      {
        id,
        provider: batch.provider,
        operation: batch.operation,
        model: batch.model,
        bytes,
        earliestDeadline: earliest === undefined ? null : new Date(earliest),
      },
      next,
    );
    if (!recorded) return undefined;
    this.deps.metrics.resubmittedRequests(batch, recorded.requestCount);
    this.deps.metrics.linesResolved(batch, 'resubmitted', recorded.requestCount);
    await this.deps.publisher.events(
      items.filter((item) => recorded.customIds.has(item.customId)).map((item) => batchedEvent(laneSubject(item.payload as LaneRequestV1), { id }, now)),
    );
    this.deps.logger.info(
      { batchId: batch.id, status: batch.status, resubmittedAs: id, requests: recorded.requestCount },
      'missing requests moved into a new batch',
    );
    return this.deps.batches.get(id);
  }
}

/** What a batch answer's span records: the request, the model, tokens and cost, as the realtime lane's provider call span does. */
function resultAttributes(result: InferenceResultV1): SpanAttributes {
  return {
    'sluice.request_id': result.id,
    'sluice.tenant': result.tenant,
    'sluice.lane': result.lane,
    'gen_ai.provider.name': result.provider,
    'gen_ai.response.model': result.model,
    'gen_ai.usage.input_tokens': result.usage.inputTokens,
    'gen_ai.usage.output_tokens': result.usage.outputTokens,
    'sluice.cost_usd': result.cost.usd,
    'sluice.realtime_cost_usd': result.cost.realtimeUsd,
    'sluice.status': result.status,
  };
}
