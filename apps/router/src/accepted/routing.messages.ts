import {
  AcceptedRequestV1,
  ErrorCode,
  eventSubjectOf,
  InferenceResultV1,
  Lane,
  LaneWeighingsV1,
  LifecycleEventV1,
  lifecycleEventId,
  messageKey,
  resultIdFor,
  RoutingDecisionV1,
  UsageV1,
} from '@sluice/contracts';
import type { LaneAssessment } from '@sluice/routing';
import type { Destination, OutboundMessage } from './routing.ports';

/** The lane of results the router makes itself (cache hits, refusals): no provider lane was taken. */
export const ROUTER_ANSWER_LANE: Lane = 'cache';

export type ProviderLane = Exclude<Lane, 'cache'>;

const PROVIDER_LANES: readonly string[] = ['realtime', 'async', 'batch'] satisfies ProviderLane[];

export function isProviderLane(lane: string | null): lane is ProviderLane {
  return lane !== null && PROVIDER_LANES.includes(lane);
}

function message(to: Destination, accepted: AcceptedRequestV1, value: object): OutboundMessage {
  return { to, key: messageKey(accepted.request.id), value };
}

/**
 * The accepted request as it came, plus the decision, for the lane's topic. Given the accepted
 * message's own bytes, the lane message is those bytes with the decision appended: the request is
 * most of them, and passing it on as read spares encoding it again (a validated accepted message has
 * no `routing` member, so the appended one is the only one).
 */
export function laneRequestMessage(accepted: AcceptedRequestV1, routing: RoutingDecisionV1 & { lane: ProviderLane }, raw?: Buffer): OutboundMessage {
  const spliced = raw === undefined ? undefined : withMember(raw, 'routing', routing);
  return message(routing.lane, accepted, spliced ?? { ...accepted, routing });
}

const CLOSING_BRACE = 0x7d;
const OPENING_BRACE = 0x7b;

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The JSON object in `raw` with one member added, or undefined when `raw` is not a non-empty JSON object. */
export function withMember(raw: Buffer, name: string, value: unknown): Buffer | undefined {
  let end = raw.length - 1;
  while (end >= 0 && isJsonSpace(raw[end]!)) end -= 1;
  let start = 0;
  while (start < end && isJsonSpace(raw[start]!)) start += 1;
  if (raw[start] !== OPENING_BRACE || raw[end] !== CLOSING_BRACE) return undefined;
  let last = end - 1;
  while (last > start && isJsonSpace(raw[last]!)) last -= 1;
  if (last === start) return undefined;
  return Buffer.concat([raw.subarray(start, end), Buffer.from(`,${JSON.stringify(name)}:${JSON.stringify(value)}}`)]);
}

export interface RoutedStep {
  lane: Lane;
  reason: string;
  estimatedCostUsd: number;
  realtimeCostUsd: number;
  routedAt: string;
  deadline?: string;
  /** Only for a cache hit, where the saving is known rather than estimated. */
  savedUsd?: number;
  /** The lanes weighed, when the lane was chosen now (not when a recorded decision is sent again). */
  lanes?: LaneWeighingsV1;
}

/** The decision's numbers per lane, as the routed event carries them. */
export function laneWeighings(assessments: readonly LaneAssessment[]): LaneWeighingsV1 {
  const weighings: LaneWeighingsV1 = {};
  for (const { lane, priceUsd, missProbability, meetProbability, expectedCostUsd } of assessments) {
    weighings[lane] = { priceUsd, missProbability, meetProbability, expectedCostUsd };
  }
  return weighings;
}

/** `routed`, stamped with the decision time so a re-emission after a crash is the same event. */
export function routedEvent(accepted: AcceptedRequestV1, step: RoutedStep): OutboundMessage {
  const event: LifecycleEventV1 = {
    eventId: lifecycleEventId(accepted.request.tenant, accepted.request.id, 'routed'),
    type: 'routed',
    at: step.routedAt,
    ...eventSubjectOf(accepted.request),
    lane: step.lane,
    reason: step.reason,
    estimatedCostUsd: step.estimatedCostUsd,
    realtimeCostUsd: step.realtimeCostUsd,
    ...(step.savedUsd === undefined ? {} : { savedUsd: step.savedUsd }),
    ...(step.deadline === undefined ? {} : { deadline: step.deadline }),
    ...(step.lanes === undefined ? {} : { lanes: step.lanes }),
  };
  return message('events', accepted, event);
}

export interface QueuedStep {
  /** What the request waits for; it tells the two `queued` events a request can have apart. */
  waitsFor: 'coalesced' | 'not-before';
  /** `cache` behind an identical request in flight; the decided lane while waiting for notBefore. */
  lane: Lane;
  reason: string;
  at: string;
  deadline?: string;
  estimatedCostUsd: number;
  realtimeCostUsd: number;
}

/**
 * `queued`: behind an identical request in flight (the result-notifier answers it with the leader's
 * result), or routed and waiting for its notBefore (the off-peak scheduler sends it to its lane then).
 */
export function queuedEvent(accepted: AcceptedRequestV1, step: QueuedStep): OutboundMessage {
  const event: LifecycleEventV1 = {
    eventId: lifecycleEventId(accepted.request.tenant, accepted.request.id, 'queued', step.waitsFor),
    type: 'queued',
    at: step.at,
    ...eventSubjectOf(accepted.request),
    lane: step.lane,
    reason: step.reason,
    estimatedCostUsd: step.estimatedCostUsd,
    realtimeCostUsd: step.realtimeCostUsd,
    ...(step.deadline === undefined ? {} : { deadline: step.deadline }),
  };
  return message('events', accepted, event);
}

/** `not-before:<instant>`, like `coalesced:<leader>`: grouped by its prefix, and it says until when. */
export function notBeforeReason(releaseAt: Date): string {
  return `not-before:${releaseAt.toISOString()}`;
}

/** `queued` for a request routed to `routing.lane` whose lane message waits until `releaseAt`. */
export function heldEvent(accepted: AcceptedRequestV1, routing: RoutingDecisionV1 & { lane: ProviderLane }, releaseAt: Date): OutboundMessage {
  return queuedEvent(accepted, {
    waitsFor: 'not-before',
    lane: routing.lane,
    reason: notBeforeReason(releaseAt),
    at: routing.routedAt,
    ...(routing.deadline === undefined ? {} : { deadline: routing.deadline }),
    estimatedCostUsd: routing.estimatedCostUsd,
    realtimeCostUsd: routing.realtimeCostUsd,
  });
}

export interface CachedAnswer {
  response: Record<string, unknown>;
  usage: UsageV1;
  model: string;
}

export interface CacheHitStep {
  answer: CachedAnswer;
  /** What the same usage costs at list price: all of it is saved. */
  realtimeUsd: number;
  at: Date;
  deadlineMs: number;
}

export function cacheHitResult(accepted: AcceptedRequestV1, step: CacheHitStep): OutboundMessage {
  const { request } = accepted;
  const at = step.at.toISOString();
  const result: InferenceResultV1 = {
    id: request.id,
    tenant: request.tenant,
    resultId: resultIdFor(request.tenant, request.id, ROUTER_ANSWER_LANE),
    status: 'succeeded',
    lane: ROUTER_ANSWER_LANE,
    provider: request.provider,
    model: step.answer.model,
    response: step.answer.response,
    usage: step.answer.usage,
    cost: { usd: 0, realtimeUsd: step.realtimeUsd, savedUsd: step.realtimeUsd },
    timings: { receivedAt: accepted.receivedAt, routedAt: at, completedAt: at },
    deadline: new Date(step.deadlineMs).toISOString(),
    deadlineMet: step.at.getTime() <= step.deadlineMs,
    ...(request.metadata ? { metadata: request.metadata } : {}),
  };
  return message('results', accepted, result);
}

export interface RefusalStep {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  at: Date;
  deadlineMs: number;
}

/** The router's own failure as a result, so the request ends like any other: booked, delivered, notified. */
export function refusalResult(accepted: AcceptedRequestV1, step: RefusalStep): OutboundMessage {
  const { request } = accepted;
  const result: InferenceResultV1 = {
    id: request.id,
    tenant: request.tenant,
    resultId: resultIdFor(request.tenant, request.id, ROUTER_ANSWER_LANE),
    status: 'failed',
    lane: ROUTER_ANSWER_LANE,
    provider: request.provider,
    model: request.body.model,
    error: { code: step.code, message: step.message, retryable: step.retryable },
    usage: { inputTokens: 0, outputTokens: 0 },
    cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    timings: { receivedAt: accepted.receivedAt, completedAt: step.at.toISOString() },
    deadline: new Date(step.deadlineMs).toISOString(),
    ...(request.metadata ? { metadata: request.metadata } : {}),
  };
  return message('results', accepted, result);
}
