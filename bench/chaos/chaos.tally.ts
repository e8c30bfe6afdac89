import type { RequestKind } from './chaos.plan';

/** A request the bench handed to the producer, acknowledged by the broker (acks=all). */
export interface SentRequest {
  id: string;
  kind: RequestKind;
  sentAt: number;
  deadlineAt: number;
}

/** A message of the run read off a topic by the bench: the reply topic, sluice.results.v1 or the DLQ. */
export interface ReadMessage {
  id: string;
  status: string;
  readAt: number;
}

/** One `request_results` row of the step's tenant: a provider answer Sluice booked. */
export interface BookedRow {
  requestId: string;
  lane: string;
  status: string;
  costUsd: number;
}

/** One `extra_spend` row of the step's tenant: a provider call booked apart from the results (a second call for one result, or a call a crash left unanswered, swept). */
export interface ExtraSpendRow {
  requestId: string;
  costUsd: number;
  /** Booked by the sweep (no answer came), at its estimate or its request's answer's cost. */
  swept: boolean;
}

export interface BillingDelta {
  calls: number;
  usd: number;
}

export interface StepInput {
  sent: readonly SentRequest[];
  /** Sends the producer gave up on (broker stopped): not sent, so neither owed a result nor lost. */
  produceFailed: number;
  /** Results as the tenant sees them: on the reply topic, delivered by the result-notifier. */
  replies: readonly ReadMessage[];
  /** Results as the services produced them, on sluice.results.v1. */
  results: readonly ReadMessage[];
  dlq: readonly ReadMessage[];
  booked: readonly BookedRow[];
  extraSpend: readonly ExtraSpendRow[];
  /** Provider calls written ahead still neither answered nor swept when the ledger was read. */
  openCalls: number;
  /** What the emulator billed the run's API key while the step ran and drained. */
  billed: BillingDelta;
  faultStart: number;
  /** When the fault was over: the database allowed connections again, the broker answered, the killed process was ready, the emulator healthy. */
  faultEnd: number;
  graceMs: number;
}

export interface StepFigures {
  sent: number;
  produceFailed: number;
  /** Requests with exactly one result on the reply topic. */
  answeredExactlyOnce: number;
  answeredMoreThanOnce: { count: number; ids: string[] };
  /** Requests sent without any reply on the reply topic by the end of the drain. Must be 0. */
  lost: { count: number; ids: string[] };
  /** Results that are not a success, by status. */
  notSucceeded: Record<string, number>;
  /** Results on sluice.results.v1 beyond one per request (redelivered work; the notifier must deliver once). */
  resultsTopicRepeats: number;
  /** Requests with more than one booked provider answer (cache answers cost nothing and do not count), other than an escalated batch request's batch + realtime pair, with the lanes booked. Must be 0. */
  doubleBooked: { count: number; ids: string[] };
  /** Requests answered both by a provider call of their own and from the cache lane (as a follower): no extra spend, an extra answer. */
  providerAndCache: { count: number; ids: string[] };
  /** Batch requests escalated to the realtime lane: both answers billed and booked, by design. */
  escalated: number;
  /** Booked = succeeded provider results plus extra spend (of which `extraCalls`, `sweptCalls` swept); `openCalls` were still unbooked. */
  billing: {
    billedCalls: number;
    bookedCalls: number;
    extraCalls: number;
    sweptCalls: number;
    openCalls: number;
    billedUsd: number;
    bookedUsd: number;
    /** Of bookedUsd, what the sweep booked (at the cost of the request's own answer, or at the router's estimate). */
    sweptUsd: number;
    /** Calls equal, and dollars equal or above the bill by no more than sweptUsd. */
    equal: boolean;
  };
  dlq: { count: number; ids: string[] };
  recovery: {
    /** Fault end → first reply of a request sent after the fault began; negative when one was answered during the fault. */
    firstAnswerMs: number | null;
    /** Fault end → the last reply of the requests sent during the fault: the backlog cleared. */
    backlogClearedMs: number | null;
  };
  /** Requests whose deadline does not fall between the fault's start and its end plus the grace, and how many got a successful reply by it. */
  deadline: { feasible: number; met: number; attainment: number | null; byKind: Record<string, { feasible: number; met: number }> };
}

const SAMPLE = 20;
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

function byId(messages: readonly ReadMessage[]): Map<string, ReadMessage[]> {
  const grouped = new Map<string, ReadMessage[]>();
  for (const message of messages) grouped.set(message.id, [...(grouped.get(message.id) ?? []), message]);
  return grouped;
}

/** The figures of one fault step, counted from what the bench read: replies, results, DLQ, the ledger's rows and the emulator's bill. */
export function tallyStep(input: StepInput): StepFigures {
  const replies = byId(input.replies);
  const results = byId(input.results);
  const lost = input.sent.filter((request) => !replies.has(request.id)).map((request) => request.id);
  const repeated = input.sent.filter((request) => (replies.get(request.id)?.length ?? 0) > 1).map((request) => request.id);
  const notSucceeded: Record<string, number> = {};
  for (const request of input.sent) {
    const first = replies.get(request.id)?.[0];
    if (first !== undefined && first.status !== 'succeeded') notSucceeded[first.status] = (notSucceeded[first.status] ?? 0) + 1;
  }
  let resultsTopicRepeats = 0;
  for (const request of input.sent) resultsTopicRepeats += Math.max(0, (results.get(request.id)?.length ?? 0) - 1);

  const lanesById = new Map<string, string[]>();
  for (const row of input.booked) lanesById.set(row.requestId, [...(lanesById.get(row.requestId) ?? []), row.lane]);
  const doubleBooked: string[] = [];
  const providerAndCache: string[] = [];
  let escalated = 0;
  for (const [id, lanes] of lanesById) {
    // A cache answer (a follower of an identical request, or a cache hit) costs nothing: only provider answers are spend.
    const paid = lanes.filter((lane) => lane !== 'cache');
    if (paid.length > 0 && paid.length < lanes.length) providerAndCache.push(id);
    if (paid.length < 2) continue;
    if (paid.length === 2 && paid.includes('batch') && paid.includes('realtime')) escalated += 1;
    else doubleBooked.push(`${id} (${paid.join(' + ')})`);
  }
  const providerRows = input.booked.filter((row) => row.status === 'succeeded' && row.lane !== 'cache');
  const bookedUsd = [...providerRows, ...input.extraSpend].reduce((sum, row) => sum + row.costUsd, 0);
  const bookedCalls = providerRows.length + input.extraSpend.length;
  const sweptUsd = input.extraSpend.filter((row) => row.swept).reduce((sum, row) => sum + row.costUsd, 0);
  const billing = {
    billedCalls: input.billed.calls,
    bookedCalls,
    extraCalls: input.extraSpend.length,
    sweptCalls: input.extraSpend.filter((row) => row.swept).length,
    openCalls: input.openCalls,
    billedUsd: round(input.billed.usd, 9),
    bookedUsd: round(bookedUsd, 9),
    sweptUsd: round(sweptUsd, 9),
    // A swept call's usage never reached Sluice: booked at an estimate, an upper bound, so its dollars
    // may exceed the bill by at most what the sweep booked.
    equal:
      input.billed.calls === bookedCalls &&
      (Math.abs(input.billed.usd - bookedUsd) < 1e-9 || (input.billed.usd < bookedUsd && bookedUsd - input.billed.usd <= sweptUsd + 1e-9)),
  };

  const sentIds = new Set(input.sent.map((request) => request.id));
  const dlqIds = [...new Set(input.dlq.map((message) => message.id).filter((id) => sentIds.has(id)))];

  const duringFault = input.sent.filter((request) => request.sentAt >= input.faultStart);
  const firstReplies = duringFault.map((request) => replies.get(request.id)?.[0]?.readAt).filter((at): at is number => at !== undefined);
  const inFault = input.sent.filter((request) => request.sentAt >= input.faultStart && request.sentAt <= input.faultEnd);
  const inFaultReplies = inFault.map((request) => replies.get(request.id)?.[0]?.readAt);
  const recovery = {
    firstAnswerMs: firstReplies.length === 0 ? null : Math.round(Math.min(...firstReplies) - input.faultEnd),
    backlogClearedMs:
      inFault.length === 0 || inFaultReplies.some((at) => at === undefined) ? null : Math.round(Math.max(...(inFaultReplies as number[])) - input.faultEnd),
  };

  const byKind: Record<string, { feasible: number; met: number }> = {};
  let feasible = 0;
  let met = 0;
  for (const request of input.sent) {
    if (request.deadlineAt >= input.faultStart && request.deadlineAt <= input.faultEnd + input.graceMs) continue;
    const kind = (byKind[request.kind] ??= { feasible: 0, met: 0 });
    feasible += 1;
    kind.feasible += 1;
    const reply = replies.get(request.id)?.[0];
    if (reply !== undefined && reply.status === 'succeeded' && reply.readAt <= request.deadlineAt) {
      met += 1;
      kind.met += 1;
    }
  }

  return {
    sent: input.sent.length,
    produceFailed: input.produceFailed,
    answeredExactlyOnce: input.sent.filter((request) => replies.get(request.id)?.length === 1).length,
    answeredMoreThanOnce: { count: repeated.length, ids: repeated.slice(0, SAMPLE) },
    lost: { count: lost.length, ids: lost.slice(0, SAMPLE) },
    notSucceeded,
    resultsTopicRepeats,
    doubleBooked: { count: doubleBooked.length, ids: doubleBooked.slice(0, SAMPLE) },
    providerAndCache: { count: providerAndCache.length, ids: providerAndCache.slice(0, SAMPLE) },
    escalated,
    billing,
    dlq: { count: dlqIds.length, ids: dlqIds.slice(0, SAMPLE) },
    recovery,
    deadline: { feasible, met, attainment: feasible === 0 ? null : round(met / feasible, 4), byKind },
  };
}

/** What a step must show: nothing lost, nothing answered or booked twice, the bill equal to the bookings, none of the load dead-lettered. */
export function stepVerdict(figures: StepFigures): { pass: boolean; failures: string[] } {
  const failures: string[] = [];
  if (figures.lost.count > 0) failures.push(`${figures.lost.count} lost`);
  if (figures.answeredMoreThanOnce.count > 0) failures.push(`${figures.answeredMoreThanOnce.count} answered more than once`);
  if (figures.doubleBooked.count > 0) failures.push(`${figures.doubleBooked.count} double-booked`);
  if (!figures.billing.equal) {
    failures.push(
      `billed ${figures.billing.billedCalls} calls / $${figures.billing.billedUsd} against ${figures.billing.bookedCalls} booked / $${figures.billing.bookedUsd}`,
    );
  }
  if (figures.dlq.count > 0) failures.push(`${figures.dlq.count} dead-lettered`);
  return { pass: failures.length === 0, failures };
}
