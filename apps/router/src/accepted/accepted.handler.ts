import { AcceptedRequestV1, ErrorCode, LaneWeighingsV1, RoutingDecisionV1, UsageV1, validateMessage } from '@sluice/contracts';
import { NonRetryableError } from '@sluice/kafka';
import {
  cacheContentHash,
  type CacheEntry,
  type ClaimOutcome,
  type CoalescingKey,
  type HeldLaneMessage,
  type RequestRecord,
  type RequestRef,
  type RoutingUpdate,
} from '@sluice/ledger';
import { costUsd, findModelPrice, type ModelPrice } from '@sluice/providers';
import {
  cacheScopeFor,
  canWaitOnLeader,
  effectiveDeadlineMs,
  estimateUsage,
  type LaneCosts,
  laneCosts,
  type RouteDecision,
  type RouteInput,
  type RouteRejection,
  routeInputOf,
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
  laneWeighings,
  type ProviderLane,
  queuedEvent,
  refusalResult,
  routedEvent,
} from './routing.messages';
import type {
  CacheLedger,
  CorrelatedMessage,
  Correlation,
  FlightLedger,
  OutboundMessage,
  RequestLedger,
  RouterPublisher,
  SpendSource,
  TurnaroundSource,
} from './routing.ports';

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
  | { kind: 'skipped'; status: string }
  /** The same request earlier in the same batch (a redelivered copy): that one's messages stand for both. */
  | { kind: 'duplicate' };

/** One message's outcome: routed (in any way), or a failure of this message alone. */
export type BatchRoutingResult = { ok: true; outcome: RoutingOutcome } | { ok: false; error: unknown };

/** An accepted message of a batch with the headers of its request. */
export interface AcceptedMessage {
  accepted: AcceptedRequestV1;
  correlation: Correlation;
  /** The message's bytes as read, which its lane message passes on instead of encoding the request again. */
  raw?: Buffer;
}

export interface AcceptedHandlerPorts {
  requests: RequestLedger;
  flights: FlightLedger;
  cache: CacheLedger;
  spend: SpendSource;
  turnarounds: TurnaroundSource;
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
  raw?: Buffer;
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

/**
 * What one request comes to before the batch's ledger write: its messages, the routing to record
 * (when it does not apply, the request was answered meanwhile and nothing is sent) and the lane
 * message to hold.
 */
interface Step {
  outcome: RoutingOutcome;
  correlation: Correlation;
  messages: OutboundMessage[];
  routing?: RoutingUpdate;
  hold?: HeldLaneMessage;
}

/** A request that needs the ledger's coalescing or cache answer before its step is known. */
type Pending = { kind: 'claim'; job: Job; decision: RouteDecision } | { kind: 'refused-cache'; job: Job; refusal: Refusal };

type Slot = Step | Pending | { failed: unknown } | 'duplicate';

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

const refKey = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

function isStep(slot: Slot): slot is Step {
  return typeof slot === 'object' && 'outcome' in slot;
}

function isPending(slot: Slot): slot is Pending {
  return typeof slot === 'object' && 'kind' in slot;
}

/**
 * Routes a batch of accepted requests: each is answered from the cache, queued behind an identical
 * request in flight, or sent down the lane its deadline allows; a request the policy refuses gets a
 * failed result. Every path ends in a message, so every request reaches a result. A request whose
 * notBefore is still ahead is routed all the same, but its lane message is held in the ledger until
 * then (the off-peak scheduler sends it); the ledger row, not the Kafka offset, is what keeps it.
 *
 * The decisions are pure; the ledger is asked a fixed number of times per batch, whatever its size
 * (the requests' state, the coalescing claims, then one statement recording every routing and hold),
 * and everything the batch sends goes in one produce request.
 *
 * Redelivery is safe: the ledger says what was decided before, and that decision is sent again with
 * the same ids (which lanes and the notifier deduplicate on) instead of being made anew. A request
 * twice in one batch is routed once. A message that cannot be routed (not in the ledger, or a bug
 * in its decision) fails alone; the ledger or the broker failing fails the batch, to be retried.
 */
export class AcceptedHandler {
  constructor(
    private readonly ports: AcceptedHandlerPorts,
    private readonly settings: AcceptedHandlerSettings,
  ) {}

  async handleBatch(batch: readonly AcceptedMessage[]): Promise<BatchRoutingResult[]> {
    const now = this.ports.clock();
    const records = new Map<string, RequestRecord>();
    for (const record of (await this.ports.requests.getMany(batch.map(({ accepted: { request } }) => ({ tenant: request.tenant, id: request.id })))).values()) {
      records.set(refKey(record.tenant, record.id), record);
    }
    await this.ensureSpend(batch, now);

    const seen = new Set<string>();
    const slots: Slot[] = batch.map(({ accepted, correlation, raw }) => {
      const key = refKey(accepted.request.tenant, accepted.request.id);
      if (seen.has(key)) return 'duplicate';
      seen.add(key);
      try {
        return this.start(accepted, correlation, records.get(key), now, raw);
      } catch (error) {
        return { failed: error };
      }
    });

    await this.settleClaims(slots, records, now);
    await this.settleRefusedLookups(slots, now);
    const steps = slots.map((slot) => (isPending(slot) ? { failed: new Error('routing left a request undecided') } : slot));
    const applied = await this.record(steps);
    return this.publish(steps, applied);
  }

  /** Spend is read in the background; only the first batch of a UTC day (or after a boot) waits for it. */
  private async ensureSpend(batch: readonly AcceptedMessage[], now: Date): Promise<void> {
    const { tenants } = this.settings.policy;
    const unread = batch.some(
      ({ accepted: { request } }) => tenants[request.tenant]?.dailyBudgetUsd !== undefined && this.ports.spend.spentTodayUsd(request.tenant, now) === undefined,
    );
    if (unread) await this.ports.spend.refresh(now);
  }

  /** What a request comes to from its ledger state and the pure decision: a step, or what the ledger must say first. */
  private start(accepted: AcceptedRequestV1, correlation: Correlation, record: RequestRecord | undefined, now: Date, raw?: Buffer): Step | Pending {
    const { request } = accepted;
    if (record === undefined) {
      // Ingestion records a request before it publishes it: no row means this router reads another ledger.
      throw new NonRetryableError('REQUEST_NOT_IN_LEDGER', `request ${request.tenant}/${request.id} is not in the ledger`);
    }
    if (record.status === 'routed' && isProviderLane(record.lane)) return this.republishRouted(accepted, { ...record, lane: record.lane }, correlation, raw);
    // Queued with a provider lane: routed and held for notBefore; with the cache lane: behind an identical request.
    if (record.status === 'queued' && isProviderLane(record.lane)) return this.republishHeld(accepted, { ...record, lane: record.lane }, correlation);
    if (record.status === 'queued') return this.republishQueued(accepted, record, correlation);
    // 'routed' to the cache lane (a hit recorded before a crash) is looked up again below.
    if (record.status !== 'accepted' && record.status !== 'routed') return { outcome: { kind: 'skipped', status: record.status }, correlation, messages: [] };

    const input = routeInputOf(accepted);
    const deadlineMs = effectiveDeadlineMs(this.settings.policy, input);
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
      ...(raw && { raw }),
      now,
      price,
      costs: laneCosts(price, estimateUsage(request.operation, request.body)),
      deadlineMs,
      ...(usesCache
        ? {
            cacheKey: {
              scope: cacheScopeFor(this.settings.policy, request.tenant),
              contentHash: accepted.contentHash ?? cacheContentHash(request.provider, request.operation, request.body),
            },
          }
        : {}),
    };
    const decision = this.decide(job, input);
    if (job.cacheKey === undefined)
      return decision.ok ? this.dispatch(job, decision) : this.refuse(accepted, correlation, now, deadlineMs, refusalOf(decision));
    // A refused request may still be answered for free, but it must not lead a flight others wait on.
    if (!decision.ok) return { kind: 'refused-cache', job, refusal: refusalOf(decision) };
    return { kind: 'claim', job, decision };
  }

  private decide(job: Job, input: RouteInput): RouteDecision | RouteRejection {
    const { accepted, now } = job;
    const { request } = accepted;
    const { policy } = this.settings;
    return routeRequest(input, {
      nowMs: now.getTime(),
      policy,
      turnaround: (lane) => this.ports.turnarounds.turnaround(request.provider, request.body.model, lane, now),
      costs: job.costs,
      spentTodayUsd: policy.tenants[request.tenant]?.dailyBudgetUsd === undefined ? 0 : (this.ports.spend.spentTodayUsd(request.tenant, now) ?? 0),
    });
  }

  /** Every claim of the batch in one ledger transaction; followers of leaders outside the batch in one read. */
  private async settleClaims(slots: Slot[], records: ReadonlyMap<string, RequestRecord>, now: Date): Promise<void> {
    const claims = slots.flatMap((slot, index) => (isPending(slot) && slot.kind === 'claim' ? [{ index, pending: slot }] : []));
    if (claims.length === 0) return;
    const outcomes = await this.ports.flights.claimOrJoinMany(
      claims.map(({ pending: { job } }) => ({ key: job.cacheKey!, request: { tenant: job.accepted.request.tenant, requestId: job.accepted.request.id } })),
      this.settings.coalesceStaleMs,
      now,
    );
    const outside = outcomes.flatMap((outcome) =>
      outcome.role === 'follower' && !records.has(refKey(outcome.leader.tenant, outcome.leader.requestId)) ? [outcome.leader] : [],
    );
    const leaders = new Map(records);
    for (const record of (await this.ports.requests.getMany(outside.map((leader) => ({ tenant: leader.tenant, id: leader.requestId })))).values()) {
      leaders.set(refKey(record.tenant, record.id), record);
    }
    claims.forEach(({ index, pending }, i) => {
      const { job, decision } = pending as Extract<Pending, { kind: 'claim' }>;
      try {
        slots[index] = this.afterClaim(job, decision, outcomes[i]!, leaders);
      } catch (error) {
        slots[index] = { failed: error };
      }
    });
  }

  private afterClaim(job: Job, decision: RouteDecision, claim: ClaimOutcome, leaders: ReadonlyMap<string, RequestRecord>): Step {
    const { request } = job.accepted;
    if (claim.role === 'leader') return this.dispatch(job, decision);
    if (claim.role === 'cached') {
      const answer = readCachedAnswer(claim.result, request.body.model);
      if (answer) return this.answerFromCache(job, answer, claim.sourceRequestId);
      return this.dispatch(job, decision, `cache entry of ${claim.sourceRequestId} is not a replayable answer; routed instead`);
    }
    if (this.leaderAnswersInTime(job, leaders.get(refKey(claim.leader.tenant, claim.leader.requestId)))) return this.follow(job, claim.leader);
    // Still a follower in the ledger: whichever answer is booked first is delivered.
    return this.dispatch(
      job,
      decision,
      `also waiting on identical request ${this.leaderName(claim.leader, request.tenant)}, which may answer after this deadline`,
    );
  }

  private async settleRefusedLookups(slots: Slot[], now: Date): Promise<void> {
    const lookups = slots.flatMap((slot, index) => (isPending(slot) && slot.kind === 'refused-cache' ? [{ index, pending: slot }] : []));
    if (lookups.length === 0) return;
    const entries = await this.ports.cache.hitMany(
      lookups.map(({ pending: { job } }) => ({ tenant: job.cacheKey!.scope, contentHash: job.cacheKey!.contentHash })),
      now,
    );
    lookups.forEach(({ index, pending }, i) => {
      const { job, refusal } = pending as Extract<Pending, { kind: 'refused-cache' }>;
      slots[index] = this.answerRefused(job, entries[i], refusal);
    });
  }

  private answerRefused(job: Job, entry: CacheEntry | undefined, refusal: Refusal): Step {
    const answer = entry && readCachedAnswer(entry.result, job.accepted.request.body.model);
    if (entry && answer) return this.answerFromCache(job, answer, entry.sourceRequestId);
    return this.refuse(job.accepted, job.correlation, job.now, job.deadlineMs, refusal);
  }

  /** Records every routing and hold of the batch in one statement; says, per slot, whether its routing applied. */
  private async record(steps: ReadonlyArray<Step | { failed: unknown } | 'duplicate'>): Promise<boolean[]> {
    const routed = steps.flatMap((step, index) => (isStep(step) && step.routing ? [{ index, routing: step.routing }] : []));
    const holds = steps.flatMap((step) => (isStep(step) && step.hold ? [step.hold] : []));
    const applied = steps.map(() => true);
    if (routed.length === 0 && holds.length === 0) return applied;
    const results = await this.ports.requests.routeMany(
      routed.map(({ routing }) => routing),
      holds,
    );
    routed.forEach(({ index }, i) => (applied[index] = results[i]!));
    return applied;
  }

  /**
   * One produce request for the whole batch. Should the broker refuse it, each request's messages are
   * sent on their own, so one the broker will never take (too large, say) fails alone; the others may
   * then be written twice, with the same ids, which their consumers deduplicate on.
   */
  private async publish(steps: ReadonlyArray<Step | { failed: unknown } | 'duplicate'>, applied: readonly boolean[]): Promise<BatchRoutingResult[]> {
    const results: BatchRoutingResult[] = steps.map((step, index) => {
      if (step === 'duplicate') return { ok: true, outcome: { kind: 'duplicate' } };
      if (!isStep(step)) return { ok: false, error: step.failed };
      // The request was answered between the look and the record.
      return { ok: true, outcome: applied[index] ? step.outcome : { kind: 'skipped', status: 'completed' } };
    });
    const sending = steps.flatMap((step, index) => (isStep(step) && applied[index] && step.messages.length > 0 ? [{ index, step }] : []));
    const correlated = ({ step }: { step: Step }): CorrelatedMessage[] => step.messages.map((message) => ({ message, correlation: step.correlation }));
    if (sending.length === 0) return results;
    try {
      await this.ports.publisher.publish(sending.flatMap(correlated));
      return results;
    } catch (error) {
      if (sending.length === 1) throw error;
    }
    const settled = await Promise.allSettled(sending.map((entry) => this.ports.publisher.publish(correlated(entry))));
    settled.forEach((outcome, i) => {
      if (outcome.status === 'rejected') results[sending[i]!.index] = { ok: false, error: outcome.reason };
    });
    return results;
  }

  private leaderAnswersInTime(job: Job, leader: RequestRecord | undefined): boolean {
    if (leader === undefined) return false;
    const leaderDeadlineMs = effectiveDeadlineMs(this.settings.policy, {
      tenant: leader.tenant,
      operation: leader.operation,
      deadlineMs: leader.deadline?.getTime(),
      receivedAtMs: leader.receivedAt.getTime(),
    });
    return canWaitOnLeader({ mode: leader.mode, deadlineMs: leaderDeadlineMs }, { mode: job.accepted.request.mode, deadlineMs: job.deadlineMs });
  }

  /** Another tenant's request id is not this tenant's business, even when they share a cache. */
  private leaderName(leader: RequestRef, tenant: string): string {
    return leader.tenant === tenant ? leader.requestId : 'shared';
  }

  private dispatch(job: Job, decision: RouteDecision, note?: string): Step {
    const { accepted, now, correlation, raw } = job;
    const { request } = accepted;
    const deadline = new Date(decision.deadlineMs);
    const lane = decision.lane as ProviderLane;
    const routing: RoutingDecisionV1 & { lane: ProviderLane } = {
      lane,
      reason: decision.reason,
      estimatedCostUsd: decision.estimatedCostUsd,
      realtimeCostUsd: decision.realtimeCostUsd,
      routedAt: now.toISOString(),
      deadline: deadline.toISOString(),
      attempt: 1,
    };
    const releaseAt = releaseAtFor(request.notBefore, now);
    const lanes = laneWeighings(decision.lanes);
    const update: RoutingUpdate = {
      tenant: request.tenant,
      id: request.id,
      routing: { ...routing, routedAt: now, deadline, cacheKey: job.cacheKey, lanes },
      status: releaseAt === undefined ? 'routed' : 'queued',
    };
    const notes = [decision.note, note].filter((text): text is string => text !== undefined);
    const routed = {
      lane,
      reason: decision.reason,
      estimatedCostUsd: decision.estimatedCostUsd,
      realtimeCostUsd: decision.realtimeCostUsd,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    };
    if (releaseAt !== undefined) {
      return {
        ...this.hold(accepted, routing, releaseAt, correlation, lanes),
        routing: update,
        outcome: { kind: 'held', ...routed, releaseAt: releaseAt.toISOString() },
      };
    }
    return {
      outcome: { kind: 'routed', ...routed },
      correlation,
      messages: [laneRequestMessage(accepted, routing, raw), routedEvent(accepted, { ...routing, lanes })],
      routing: update,
    };
  }

  /**
   * Stores the lane message until notBefore instead of sending it, then says so: `routed` (the
   * decision) and `queued` (the wait). Once the batch is recorded the offset may be committed: the
   * ledger row is the durable copy. Holding is idempotent, so a redelivery keeps the first row.
   */
  private hold(
    accepted: AcceptedRequestV1,
    routing: RoutingDecisionV1 & { lane: ProviderLane },
    releaseAt: Date,
    correlation: Correlation,
    lanes?: LaneWeighingsV1,
  ): Pick<Step, 'hold' | 'messages' | 'correlation'> {
    const { request } = accepted;
    return {
      correlation,
      hold: {
        tenant: request.tenant,
        requestId: request.id,
        lane: routing.lane,
        releaseAt,
        message: laneRequestMessage(accepted, routing).value,
        ...(correlation.correlationId === undefined ? {} : { correlationId: correlation.correlationId }),
        ...(correlation.traceparent === undefined ? {} : { traceparent: correlation.traceparent }),
      },
      messages: [routedEvent(accepted, { ...routing, ...(lanes && { lanes }) }), heldEvent(accepted, routing, releaseAt)],
    };
  }

  private answerFromCache(job: Job, answer: CachedAnswer, sourceRequestId: string): Step {
    const { accepted, now } = job;
    const { request } = accepted;
    const realtimeUsd = costUsd(job.price, answer.usage, 'standard');
    const deadline = new Date(job.deadlineMs);
    return {
      outcome: { kind: 'cache-hit', realtimeCostUsd: realtimeUsd, sourceRequestId },
      correlation: job.correlation,
      routing: {
        tenant: request.tenant,
        id: request.id,
        routing: {
          lane: 'cache',
          reason: CACHE_HIT_REASON,
          estimatedCostUsd: 0,
          realtimeCostUsd: realtimeUsd,
          routedAt: now,
          deadline,
          cacheKey: job.cacheKey,
        },
        status: 'routed',
      },
      messages: [
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
    };
  }

  private follow(job: Job, leader: RequestRef): Step {
    const { accepted, now } = job;
    const { request } = accepted;
    const reason = `${COALESCED_REASON}:${this.leaderName(leader, request.tenant)}`;
    const deadline = new Date(job.deadlineMs);
    return {
      outcome: { kind: 'coalesced', leader, realtimeCostUsd: job.costs.realtime },
      correlation: job.correlation,
      // Not applied when the leader was answered, and this follower with it, before the queueing could be recorded.
      routing: {
        tenant: request.tenant,
        id: request.id,
        routing: { lane: 'cache', reason, estimatedCostUsd: 0, realtimeCostUsd: job.costs.realtime, routedAt: now, deadline, cacheKey: job.cacheKey },
        status: 'queued',
      },
      messages: [
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
    };
  }

  private refuse(accepted: AcceptedRequestV1, correlation: Correlation, now: Date, deadlineMs: number, refusal: Refusal): Step {
    return {
      outcome: { kind: 'refused', code: refusal.code, message: refusal.message },
      correlation,
      messages: [refusalResult(accepted, { ...refusal, at: now, deadlineMs })],
    };
  }

  /** The decision recorded before a crash or redelivery, sent again as it was: same ids, same content. */
  private republishRouted(accepted: AcceptedRequestV1, record: RequestRecord & { lane: ProviderLane }, correlation: Correlation, raw?: Buffer): Step {
    const routing = recordedRouting(record);
    return {
      outcome: { kind: 'republished', lane: record.lane, reason: routing.reason },
      correlation,
      messages: [laneRequestMessage(accepted, routing, raw), routedEvent(accepted, { ...routing, ...(record.routingLanes && { lanes: record.routingLanes }) })],
    };
  }

  /**
   * A request routed and held for its notBefore: holds it again (a no-op when the first hold was
   * written, the whole hold after a crash between recording and holding) and emits its two events again.
   * However late the redelivery, it is held rather than sent: the scheduler releases a due hold within a poll.
   */
  private republishHeld(accepted: AcceptedRequestV1, record: RequestRecord & { lane: ProviderLane }, correlation: Correlation): Step {
    const routing = recordedRouting(record);
    // Only a request with a notBefore is ever held; without one, there is nothing to wait for.
    const releaseAt = new Date(accepted.request.notBefore ?? routing.routedAt);
    return {
      ...this.hold(accepted, routing, releaseAt, correlation, record.routingLanes),
      outcome: { kind: 'republished', lane: record.lane, reason: routing.reason },
    };
  }

  private republishQueued(accepted: AcceptedRequestV1, record: RequestRecord, correlation: Correlation): Step {
    const reason = record.decisionReason ?? COALESCED_REASON;
    return {
      outcome: { kind: 'republished', lane: 'cache', reason },
      correlation,
      messages: [
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
    };
  }
}
