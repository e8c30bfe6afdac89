import { ErrorCode, type InferenceResultV1, type Lane, type Operation, type Provider, type ProviderRequestBody } from '@sluice/contracts';
import { operationPolicyFor, type RoutingPolicy } from '@sluice/routing';
import { setTimeout as delay } from 'node:timers/promises';
import type { Trace } from '../../accept/accept.ports';
import type { RequestEventsHub } from '../../events/request-events.hub';
import { RequestStream } from '../../events/request.stream';
import type { ApiErrorBody } from '../../http/errors/api.error';
import type { RequestStatusQuery } from '../../http/status/request-status.query';
import type { SubmitRequestsHandler } from '../../http/submissions/submit-requests.handler';
import { callDeadline } from './call.deadline';
import { CallListener, CallOutcomeSink } from './call.outcome';

/** A provider-shaped call, as a facade turned it into a Sluice request. */
export interface FacadeRequest {
  provider: Provider;
  operation: Operation;
  body: ProviderRequestBody;
  stream: boolean;
  /** The X-Sluice-Deadline header as sent, if it was. */
  deadlineHeader?: string | string[];
  /** Size of the body the caller sent: held to the same limit as a POST /v1/requests. */
  bytes: number;
  metadata: Record<string, string>;
}

/** How a facade call ends; the facade renders each in its provider's shapes. */
export type CallAnswer =
  /** Refused before it became a request: `error` is the first problem, the most specific one Sluice named. */
  | { kind: 'refused'; status: number; error: { code: string; message: string; field?: string } }
  | { kind: 'answered'; requestId: string; result: InferenceResultV1 }
  | { kind: 'failed'; requestId: string; lane?: Lane; costUsd?: number; error: { code: string; message: string } }
  | { kind: 'timed-out'; requestId: string; waitedMs: number }
  | { kind: 'unavailable'; requestId?: string; message: string };

export interface FacadeCallsDeps {
  submissions: Pick<SubmitRequestsHandler, 'submit'>;
  hub: RequestEventsHub;
  relay: { goLive(): Promise<void> };
  status: Pick<RequestStatusQuery, 'find'>;
  policy: RoutingPolicy;
  newId: () => string;
  limits: {
    /** How long after `completed` a result is waited for on its topic before the ledger is asked. */
    resultWaitMs: number;
    /** Longest deadline a synchronous call may have. */
    maxDeadlineMs: number;
    /** How long past its deadline a call still waits: the worker's deadline failure has to travel back too. */
    graceMs: number;
  };
}

/**
 * A provider-shaped call as an ordinary Sluice request: accepted like a POST /v1/requests (same
 * validation, ledger, lanes, events, costs), its deadline the caller's X-Sluice-Deadline or the
 * policy's default, and followed on this instance's event relay to its result (and its chunks, when
 * streamed). The stream is opened before the request is submitted, so nothing it says is missed.
 */
export class FacadeCalls {
  constructor(private readonly deps: FacadeCallsDeps) {}

  async call(tenant: string, request: FacadeRequest, trace: Trace, listener: CallListener = {}, signal?: AbortSignal): Promise<CallAnswer> {
    const { limits } = this.deps;
    const deadline = callDeadline(
      request.deadlineHeader,
      operationPolicyFor(this.deps.policy, tenant, request.operation).defaultDeadlineMs,
      limits.maxDeadlineMs,
    );
    if (!deadline.ok) return { kind: 'refused', status: 400, error: { code: ErrorCode.INVALID_FIELD, message: deadline.message, field: 'X-Sluice-Deadline' } };

    const id = this.deps.newId();
    const sink = new CallOutcomeSink(listener);
    const stream = new RequestStream(tenant, id, sink, { resultWaitMs: limits.resultWaitMs });
    const unsubscribe = this.deps.hub.open(stream);
    try {
      try {
        await this.deps.relay.goLive();
      } catch (error) {
        return { kind: 'unavailable', message: `answers cannot be followed right now (${(error as Error).message}); retry` };
      }
      const json = {
        id,
        tenant,
        provider: request.provider,
        operation: request.operation,
        body: request.body,
        stream: request.stream,
        maxLatencyMs: deadline.ms,
        metadata: request.metadata,
      };
      let reply;
      try {
        reply = await this.deps.submissions.submit({ ok: true, json, bytes: request.bytes }, tenant, trace);
      } catch {
        return { kind: 'unavailable', message: 'the request could not be recorded and published; retry it' };
      }
      if (reply.status >= 400) return { kind: 'refused', status: reply.status, error: firstProblem(reply.body as ApiErrorBody) };
      listener.accepted?.(id);
      stream.start({ terminal: false, view: {} });
      const waitMs = deadline.ms + limits.graceMs;
      const outcome = await settledWithin(sink.settled, waitMs, signal);
      if (outcome === undefined) return { kind: 'timed-out', requestId: id, waitedMs: waitMs };
      switch (outcome.kind) {
        case 'succeeded':
          return { kind: 'answered', requestId: id, result: outcome.result };
        case 'failed': {
          const { event } = outcome;
          return {
            kind: 'failed',
            requestId: id,
            lane: event.lane,
            costUsd: event.costUsd,
            error: event.error ?? { code: 'INTERNAL', message: `the request ${event.type === 'rejected' ? 'was refused' : 'failed'}` },
          };
        }
        case 'completed':
          return await this.fromLedger(tenant, id);
        case 'cut-off':
          return { kind: 'unavailable', requestId: id, message: `this copy of Sluice is shutting down; the request ${id} goes on: GET /v1/requests/${id}` };
      }
    } finally {
      unsubscribe();
      stream.close();
    }
  }

  /** The delivered result the ledger booked, when its message did not reach this instance in time. */
  private async fromLedger(tenant: string, id: string): Promise<CallAnswer> {
    const view = await this.deps.status.find(tenant, id);
    const result = view?.result ?? undefined;
    if (result?.status === 'succeeded') return { kind: 'answered', requestId: id, result };
    return { kind: 'unavailable', requestId: id, message: `the answer of ${id} could not be read back; GET /v1/requests/${id}` };
  }
}

/** A refused body's first problem, which names its field; the others are in its message. */
function firstProblem(body: ApiErrorBody): { code: string; message: string; field?: string } {
  const [first, ...others] = body.errors ?? [];
  if (first === undefined) return body.error;
  const more = others.length === 0 ? '' : ` (and ${others.length} more: ${others.map((error) => error.field).join(', ')})`;
  return { code: first.code, message: `${first.message}${more}`, field: first.field };
}

/** The promise's value, or undefined once `ms` passed or the signal fired first. */
async function settledWithin<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | undefined> {
  const timer = new AbortController();
  const stop = (): void => timer.abort();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await Promise.race([promise, delay(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
  } finally {
    timer.abort();
    signal?.removeEventListener('abort', stop);
  }
}
