import { AcceptedRequestV1, ErrorCode, RoutingDecisionV1, UsageV1, validateMessage } from '@sluice/contracts';
import { NonRetryableError } from '@sluice/kafka';
import { cacheContentHash, type CoalescingKey, type RequestRecord, type RequestRef } from '@sluice/ledger';
import { costUsd, findModelPrice, type ModelPrice } from '@sluice/providers';
import {
  cacheScopeFor,
  canWaitOnLeader,
  effectiveDeadlineMs,
  estimateUsage,
  type LaneCosts,
  laneCosts,
  type RouteDecision,
  type RouteRejection,
  routeRequest,
  type RoutingPolicy,
} from '@sluice/routing';
import { releaseAtFor } from '../off-peak/off-peak.plan';
import {
  type CachedAnswer,
  cacheHitResult,
  heldEvent,
  isProviderLane,
  laneRequestMessage,
  type ProviderLane,
  queuedEvent,
  refusalResult,
  routedEvent,
} from './routing.messages';
import type { CacheLedger, Correlation, EstimateSource, FlightLedger, HoldLedger, RequestLedger, RouterPublisher, SpendSource } from './routing.ports';

export const CACHE_HIT_REASON = 'cache-hit';
export const COALESCED_REASON = 'coalesced';

/** What routing one accepted message came to; the consumer logs it and counts it. */
export type RoutingOutcome =
  | { kind: 'routed'; lane: ProviderLane; reason: string; estimatedCostUsd: number; realtimeCostUsd: number; note?: string }
  /** Routed, with its lane message held in the ledger until `releaseAt` (its notBefore). */
  | { kind: 'held'; lane: ProviderLane; reason: string; estimatedCostUsd: number; realtimeCostUsd: number; releaseAt: string; note?: string }
  | { kind: 'republished'; lane: ProviderLane | 'cache'; reason: string }
  | { kind: 'cache-hit'; realtimeCostUsd: number; sourceRequestId: string }
  | { kind: 'coalesced'; leader: RequestRef; realtimeCostUsd: number }
  | { kind: 'refused'; code: ErrorCode; message: string }
  /** Nothing left to do: the request was answered, or has moved on past routing. */
  | { kind: 'skipped'; status: string };

export interface AcceptedHandlerPorts {
  requests: RequestLedger;
  flights: FlightLedger;
  cache: CacheLedger;
  holds: HoldLedger;
  spend: SpendSource;
  estimates: EstimateSource;
  publisher: RouterPublisher;
  clock: () => Date;
}

export interface AcceptedHandlerSettings {
  policy: RoutingPolicy;
  /** A leader silent this long is replaced by the next identical request. */
  coalesceStaleMs: number;
}

/** Everything about one request that every path needs, worked out once. */
interface Job {
  accepted: AcceptedRequestV1;
  correlation: Correlation;
  now: Date;
  price: ModelPrice;
  costs: LaneCosts;
  deadlineMs: number;
  /** Where the request's answer is cached and its identical requests wait; absent when it may not use the cache. */
  cacheKey?: CoalescingKey;
}

interface Refusal {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

function requestDeadlineMs(accepted: AcceptedRequestV1): number | undefined {
  return accepted.deadline === undefined ? undefined : Date.parse(accepted.deadline);
}

function refusalOf(rejection: RouteRejection): Refusal {
  return {
    code: rejection.code === 'BUDGET_EXCEEDED' ? ErrorCode.BUDGET_EXCEEDED : ErrorCode.LANE_NOT_ALLOWED,
    message: rejection.message,
    // A budget resets at midnight UTC; a lane the policy forbids stays forbidden.
    retryable: rejection.code === 'BUDGET_EXCEEDED',
  };
}

/** The lane decision as the ledger recorded it, so a re-sent lane message is the one first built. */
function recordedRouting(record: RequestRecord & { lane: ProviderLane }): RoutingDecisionV1 & { lane: ProviderLane } {
  return {
    lane: record.lane,
    reason: record.decisionReason ?? 'unrecorded',
    estimatedCostUsd: record.estimatedCostUsd ?? 0,
    realtimeCostUsd: record.realtimeCostUsd ?? 0,
    routedAt: (record.routedAt ?? record.updatedAt).toISOString(),
    ...(record.deadline ? { deadline: record.deadline.toISOString() } : {}),
    attempt: 1,
  };
}

/** A cache entry replays the original result's response and usage; anything else is not an answer. */
export function readCachedAnswer(entry: Record<string, unknown>, fallbackModel: string): CachedAnswer | undefined {
  const { response, usage, model } = entry;
  if (typeof response !== 'object' || response === null || Array.isArray(response)) return undefined;
  if (typeof usage !== 'object' || usage === null) return undefined;
  // Only the counted fields: a provider's extra usage details do not make the answer unusable.
  const { inputTokens, outputTokens, cachedInputTokens } = usage as Record<string, unknown>;
  const checked = validateMessage(UsageV1, { inputTokens, outputTokens, ...(cachedInputTokens === undefined ? {} : { cachedInputTokens }) });
  if (!checked.ok) return undefined;
  return {
    response: response as Record<string, unknown>,
    usage: { ...checked.value },
    model: typeof model === 'string' && model.length > 0 ? model : fallbackModel,
  };
}

/**
 * Routes one accepted request: answers it from the cache, queues it behind an identical request in
 * flight, or sends it down the lane its deadline allows; a request the policy refuses gets a failed
 * result. Every path ends in a message, so every request reaches a result. A request whose
 * notBefore is still ahead is routed all the same, but its lane message is held in the ledger until
 * then (the off-peak scheduler sends it); the ledger row, not the Kafka offset, is what keeps it.
 *
 * Redelivery is safe: the ledger says what was decided before, and that decision is sent again with
 * the same ids (which lanes and the notifier deduplicate on) instead of being made anew.
 */
export class AcceptedHandler {
  constructor(
    private readonly ports: AcceptedHandlerPorts,
    private readonly settings: AcceptedHandlerSettings,
  ) {}

  async handle(accepted: AcceptedRequestV1, correlation: Correlation): Promise<RoutingOutcome> {
    const { request } = accepted;
    const record = await this.ports.requests.get(request.tenant, request.id);
    if (record === undefined) {
      // Ingestion records a request before it publishes it: no row means this router reads another ledger.
      throw new NonRetryableError('REQUEST_NOT_IN_LEDGER', `request ${request.tenant}/${request.id} is not in the ledger`);
    }
    if (record.status === 'routed' && isProviderLane(record.lane)) return this.republishRouted(accepted, { ...record, lane: record.lane }, correlation);
    // Queued with a provider lane: routed and held for notBefore; with the cache lane: behind an identical request.
    if (record.status === 'queued' && isProviderLane(record.lane)) return this.republishHeld(accepted, { ...record, lane: record.lane }, correlation);
    if (record.status === 'queued') return this.republishQueued(accepted, record, correlation);
    // 'routed' to the cache lane (a hit recorded before a crash) is looked up again below.
    if (record.status !== 'accepted' && record.status !== 'routed') return { kind: 'skipped', status: record.status };

    const now = this.ports.clock();
    const deadlineMs = effectiveDeadlineMs(this.settings.policy, {
      tenant: request.tenant,
      operation: request.operation,
      deadlineMs: requestDeadlineMs(accepted),
      receivedAtMs: Date.parse(accepted.receivedAt),
    });
    const price = findModelPrice(request.provider, request.body.model);
    if (price === undefined) {
      return this.refuse(accepted, correlation, now, deadlineMs, {
        code: ErrorCode.MODEL_UNKNOWN,
        message: `${request.provider} model ${request.body.model} is not in the pricing catalog, so it can be neither priced nor routed`,
        retryable: false,
      });
    }
    // A streamed request needs its own token stream: a cached or shared answer has no chunks to send.
    const usesCache = request.cache && !request.stream;
    const job: Job = {
      accepted,
      correlation,
      now,
      price,
      costs: laneCosts(price, estimateUsage(request.operation, request.body)),
      deadlineMs,
      ...(usesCache
        ? { cacheKey: { scope: cacheScopeFor(this.settings.policy, request.tenant), contentHash: cacheContentHash(request.provider, request.operation, request.body) } }
        : {}),
    };
    const decision = await this.decide(job);

    if (job.cacheKey === undefined) return decision.ok ? this.dispatch(job, decision) : this.refuse(accepted, correlation, now, deadlineMs, refusalOf(decision));
    // A refused request may still be answered for free, but it must not lead a flight others wait on.
    if (!decision.ok) return this.answerRefused(job, job.cacheKey, refusalOf(decision));

    const claim = await this.ports.flights.claimOrJoin(job.cacheKey, { tenant: request.tenant, requestId: request.id }, this.settings.coalesceStaleMs, now);
    if (claim.role === 'leader') return this.dispatch(job, decision);
    if (claim.role === 'cached') {
      const answer = readCachedAnswer(claim.result, request.body.model);
      if (answer) return this.answerFromCache(job, answer, claim.sourceRequestId);
      return this.dispatch(job, decision, `cache entry of ${claim.sourceRequestId} is not a replayable answer; routed instead`);
    }
    if (await this.leaderAnswersInTime(job, claim.leader)) return this.follow(job, claim.leader);
    // Still a follower in the ledger: whichever answer is booked first is delivered.
    return this.dispatch(job, decision, `also waiting on identical request ${this.leaderName(claim.leader, request.tenant)}, which may answer after this deadline`);
  }

  private async decide(job: Job): Promise<RouteDecision | RouteRejection> {
    const { accepted, now } = job;
    const { request } = accepted;
    const { policy } = this.settings;
    const hasBudget = policy.tenants[request.tenant]?.dailyBudgetUsd !== undefined;
    return routeRequest(
      {
        tenant: request.tenant,
        provider: request.provider,
        model: request.body.model,
        operation: request.operation,
        mode: request.mode,
        stream: request.stream,
        deadlineMs: requestDeadlineMs(accepted),
        notBeforeMs: request.notBefore === undefined ? undefined : Date.parse(request.notBefore),
        receivedAtMs: Date.parse(accepted.receivedAt),
      },
      {
        nowMs: now.getTime(),
        policy,
        estimateMs: (lane) => this.ports.estimates.estimateMs({ provider: request.provider, model: request.body.model, lane }, now),
        costs: job.costs,
        spentTodayUsd: hasBudget ? await this.ports.spend.spentTodayUsd(request.tenant, now) : 0,
      },
    );
  }

  private async leaderAnswersInTime(job: Job, leader: RequestRef): Promise<boolean> {
    const record = await this.ports.requests.get(leader.tenant, leader.requestId);
    if (record === undefined) return false;
    const leaderDeadlineMs = effectiveDeadlineMs(this.settings.policy, {
      tenant: record.tenant,
      operation: record.operation,
      deadlineMs: record.deadline?.getTime(),
      receivedAtMs: record.receivedAt.getTime(),
    });
    return canWaitOnLeader({ mode: record.mode, deadlineMs: leaderDeadlineMs }, { mode: job.accepted.request.mode, deadlineMs: job.deadlineMs });
  }

  /** Another tenant's request id is not this tenant's business, even when they share a cache. */
  private leaderName(leader: RequestRef, tenant: string): string {
    return leader.tenant === tenant ? leader.requestId : 'shared';
  }

  private async dispatch(job: Job, decision: RouteDecision, note?: string): Promise<RoutingOutcome> {
    const { accepted, now } = job;
    const { request } = accepted;
    const deadline = new Date(decision.deadlineMs);
    const routing: RoutingDecisionV1 & { lane: ProviderLane } = {
      lane: decision.lane,
      reason: decision.reason,
      estimatedCostUsd: decision.estimatedCostUsd,
      realtimeCostUsd: decision.realtimeCostUsd,
      routedAt: now.toISOString(),
      deadline: deadline.toISOString(),
      attempt: 1,
    };
    const releaseAt = releaseAtFor(request.notBefore, now);
    const recorded = await this.ports.requests.recordRouting(
      request.tenant,
      request.id,
      { ...routing, routedAt: now, deadline, cacheKey: job.cacheKey },
      releaseAt === undefined ? 'routed' : 'queued',
    );
    if (!recorded) return { kind: 'skipped', status: 'completed' };
    const notes = [decision.note, note].filter((text): text is string => text !== undefined);
    const routed = {
      lane: decision.lane,
      reason: decision.reason,
      estimatedCostUsd: decision.estimatedCostUsd,
      realtimeCostUsd: decision.realtimeCostUsd,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    };
    if (releaseAt !== undefined) {
      await this.hold(accepted, routing, releaseAt, job.correlation);
      return { kind: 'held', ...routed, releaseAt: releaseAt.toISOString() };
    }
    await this.ports.publisher.publish([laneRequestMessage(accepted, routing), routedEvent(accepted, routing)], job.correlation);
    return { kind: 'routed', ...routed };
  }

  /**
   * Stores the lane message until notBefore instead of sending it, then says so: `routed` (the
   * decision) and `queued` (the wait). Once this returns the offset may be committed: the ledger row
   * is the durable copy. Holding is idempotent, so a redelivery keeps the first row.
   */
  private async hold(accepted: AcceptedRequestV1, routing: RoutingDecisionV1 & { lane: ProviderLane }, releaseAt: Date, correlation: Correlation): Promise<void> {
    const { request } = accepted;
    await this.ports.holds.hold({
      tenant: request.tenant,
      requestId: request.id,
      lane: routing.lane,
      releaseAt,
      message: laneRequestMessage(accepted, routing).value,
      ...(correlation.correlationId === undefined ? {} : { correlationId: correlation.correlationId }),
      ...(correlation.traceparent === undefined ? {} : { traceparent: correlation.traceparent }),
    });
    await this.ports.publisher.publish([routedEvent(accepted, routing), heldEvent(accepted, routing, releaseAt)], correlation);
  }

  private async answerRefused(job: Job, key: CoalescingKey, refusal: Refusal): Promise<RoutingOutcome> {
    const entry = await this.ports.cache.hit(key.scope, key.contentHash, job.now);
    const answer = entry && readCachedAnswer(entry.result, job.accepted.request.body.model);
    if (entry && answer) return this.answerFromCache(job, answer, entry.sourceRequestId);
    return this.refuse(job.accepted, job.correlation, job.now, job.deadlineMs, refusal);
  }

  private async answerFromCache(job: Job, answer: CachedAnswer, sourceRequestId: string): Promise<RoutingOutcome> {
    const { accepted, now } = job;
    const { request } = accepted;
    const realtimeUsd = costUsd(job.price, answer.usage, 'standard');
    const deadline = new Date(job.deadlineMs);
    const recorded = await this.ports.requests.recordRouting(request.tenant, request.id, {
      lane: 'cache',
      reason: CACHE_HIT_REASON,
      estimatedCostUsd: 0,
      realtimeCostUsd: realtimeUsd,
      routedAt: now,
      deadline,
      cacheKey: job.cacheKey,
    });
    if (!recorded) return { kind: 'skipped', status: 'completed' };
    await this.ports.publisher.publish(
      [
        cacheHitResult(accepted, { answer, realtimeUsd, at: now, deadlineMs: job.deadlineMs }),
        routedEvent(accepted, {
          lane: 'cache',
          reason: CACHE_HIT_REASON,
          estimatedCostUsd: 0,
          realtimeCostUsd: realtimeUsd,
          savedUsd: realtimeUsd,
          routedAt: now.toISOString(),
          deadline: deadline.toISOString(),
        }),
      ],
      job.correlation,
    );
    return { kind: 'cache-hit', realtimeCostUsd: realtimeUsd, sourceRequestId };
  }

  private async follow(job: Job, leader: RequestRef): Promise<RoutingOutcome> {
    const { accepted, now } = job;
    const { request } = accepted;
    const reason = `${COALESCED_REASON}:${this.leaderName(leader, request.tenant)}`;
    const deadline = new Date(job.deadlineMs);
    const recorded = await this.ports.requests.recordRouting(
      request.tenant,
      request.id,
      { lane: 'cache', reason, estimatedCostUsd: 0, realtimeCostUsd: job.costs.realtime, routedAt: now, deadline, cacheKey: job.cacheKey },
      'queued',
    );
    // The leader was answered, and this follower with it, before the queueing could be recorded.
    if (!recorded) return { kind: 'skipped', status: 'completed' };
    await this.ports.publisher.publish(
      [
        queuedEvent(accepted, {
          waitsFor: 'coalesced',
          lane: 'cache',
          reason,
          at: now.toISOString(),
          deadline: deadline.toISOString(),
          estimatedCostUsd: 0,
          realtimeCostUsd: job.costs.realtime,
        }),
      ],
      job.correlation,
    );
    return { kind: 'coalesced', leader, realtimeCostUsd: job.costs.realtime };
  }

  private async refuse(accepted: AcceptedRequestV1, correlation: Correlation, now: Date, deadlineMs: number, refusal: Refusal): Promise<RoutingOutcome> {
    await this.ports.publisher.publish([refusalResult(accepted, { ...refusal, at: now, deadlineMs })], correlation);
    return { kind: 'refused', code: refusal.code, message: refusal.message };
  }

  /** The decision recorded before a crash or redelivery, sent again as it was: same ids, same content. */
  private async republishRouted(accepted: AcceptedRequestV1, record: RequestRecord & { lane: ProviderLane }, correlation: Correlation): Promise<RoutingOutcome> {
    const routing = recordedRouting(record);
    await this.ports.publisher.publish([laneRequestMessage(accepted, routing), routedEvent(accepted, routing)], correlation);
    return { kind: 'republished', lane: record.lane, reason: routing.reason };
  }

  /**
   * A request routed and held for its notBefore: holds it again (a no-op when the first hold was
   * written, the whole hold after a crash between recording and holding) and emits its two events again.
   * However late the redelivery, it is held rather than sent: the scheduler releases a due hold within a poll.
   */
  private async republishHeld(accepted: AcceptedRequestV1, record: RequestRecord & { lane: ProviderLane }, correlation: Correlation): Promise<RoutingOutcome> {
    const routing = recordedRouting(record);
    // Only a request with a notBefore is ever held; without one, there is nothing to wait for.
    const releaseAt = new Date(accepted.request.notBefore ?? routing.routedAt);
    await this.hold(accepted, routing, releaseAt, correlation);
    return { kind: 'republished', lane: record.lane, reason: routing.reason };
  }

  private async republishQueued(accepted: AcceptedRequestV1, record: RequestRecord, correlation: Correlation): Promise<RoutingOutcome> {
    const reason = record.decisionReason ?? COALESCED_REASON;
    await this.ports.publisher.publish(
      [
        queuedEvent(accepted, {
          waitsFor: 'coalesced',
          lane: 'cache',
          reason,
          at: (record.routedAt ?? record.updatedAt).toISOString(),
          ...(record.deadline ? { deadline: record.deadline.toISOString() } : {}),
          estimatedCostUsd: 0,
          realtimeCostUsd: record.realtimeCostUsd ?? 0,
        }),
      ],
      correlation,
    );
    return { kind: 'republished', lane: 'cache', reason };
  }
}
