import type { InferenceResultV1, LaneRequestV1, StreamChunkV1 } from '@sluice/contracts';
import type { RetryBackoff } from '@sluice/kafka';
import { TRACING_OFF, type RequestTracer, type SpanAttributes } from '@sluice/observability';
import type { Logger } from 'pino';
import { type CallOutcome, ProviderCaller, ShutdownAbortError } from '../calls/provider.caller';
import type { WorkerLane } from '../limiter/concurrency.limiter';
import { failedResult, fittingResult, laneDeadline, succeededResult } from '../result/result.builder';
import { finishReasonOf, StreamChunkPublisher } from '../stream/stream-chunk.publisher';
import { ProviderTarget, targetKey } from '../targets/provider.target';
import type { FallbackMap } from '../targets/target.maps';
import { publishThroughOutage } from './result-publish.retry';

/** The provider code of a call our HTTP client stopped waiting for (the adapters' timeout). */
const CLIENT_TIMEOUT_CODE = 'timeout';

/** Correlation headers a lane message came with, forwarded on everything published about it. */
export interface Correlation {
  requestId: string;
  correlationId?: string;
  traceparent?: string;
}

/** Where the worker's answers go: `sluice.results.v1` and `sluice.stream.v1`, keyed by request id. */
export interface LaneOutput {
  publishResult(result: InferenceResultV1, correlation: Correlation): Promise<void>;
  /** Several results in one produce request. */
  publishResults(results: ReadonlyArray<{ result: InferenceResultV1; correlation: Correlation }>): Promise<void>;
  publishChunks(chunks: readonly StreamChunkV1[], correlation: Correlation): Promise<void>;
}

export interface ResultObserver {
  result(result: InferenceResultV1): void;
}

export interface LaneMessage {
  /** Fires when the consumer stops waiting for this message (shutdown deadline). */
  signal: AbortSignal;
  correlation: Correlation;
  log: Logger;
  /** The id the ledger wrote this message's provider call ahead under; its result carries it. */
  callId: string;
}

export interface LaneRequestHandlerDeps {
  caller: ProviderCaller;
  output: LaneOutput;
  fallbacks: FallbackMap;
  observer: ResultObserver;
  /** Largest result (JSON bytes) the broker takes; a larger answer is reported as PAYLOAD_TOO_LARGE. */
  maxResultBytes: number;
  clock?: () => Date;
  /** How a result is published again while the broker is away (waitOutOutage's own unless given). */
  publishRetry?: RetryBackoff;
  /** The provider call's span, in the request's trace (off unless given). */
  tracer?: RequestTracer;
}

/**
 * One lane message in, one result out: call the provider (streaming the deltas when asked), then
 * publish the result, keyed by request id. The result is published before the message is committed;
 * a redelivery whose result is booked by then is not called again (AnsweredRequests), one that comes
 * sooner calls the provider again and publishes a result with the same resultId and another
 * providerRequestId: the notifier books it once as a result and the second call as extra spend.
 * Nothing is kept between messages.
 */
export class LaneRequestHandler {
  private readonly clock: () => Date;

  constructor(private readonly deps: LaneRequestHandlerDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async handle(laneRequest: LaneRequestV1, lane: WorkerLane, message: LaneMessage): Promise<InferenceResultV1> {
    const { request } = laneRequest;
    const primary: ProviderTarget = { provider: request.provider, model: request.body.model };
    const fallback = this.deps.fallbacks.get(targetKey(primary));
    const deadline = laneDeadline(laneRequest);
    const stream =
      request.stream && request.operation === 'chat'
        ? new StreamChunkPublisher(
            { requestId: request.id, tenant: request.tenant },
            (chunks) => this.deps.output.publishChunks(chunks, message.correlation),
            this.clock,
          )
        : undefined;

    const span = (this.deps.tracer ?? TRACING_OFF).span(
      'provider call',
      {
        traceparent: message.correlation.traceparent,
        attributes: {
          'sluice.request_id': request.id,
          'sluice.lane': lane,
          'gen_ai.provider.name': request.provider,
          'gen_ai.request.model': request.body.model,
        },
      },
      'client',
    );
    let outcome: CallOutcome;
    let result: InferenceResultV1;
    try {
      outcome = await this.deps.caller.call({
        lane,
        operation: request.operation,
        body: request.body,
        targets: fallback ? [primary, fallback] : [primary],
        deadline: deadline === undefined ? undefined : Date.parse(deadline),
        signal: message.signal,
        stream,
      });
      const completedAt = this.clock();
      // A last attempt our client gave up on (a timeout) still runs at the provider, which bills it when
      // it ends: its result does not answer the call written ahead, so the notifier's sweep books it.
      const answered = outcome.ok || outcome.failure.providerCode !== CLIENT_TIMEOUT_CODE;
      const call = answered ? { callId: message.callId } : {};
      const built = outcome.ok
        ? fittingResult({ ...succeededResult(laneRequest, lane, outcome.served, completedAt), ...call }, this.deps.maxResultBytes)
        : { ...failedResult(laneRequest, lane, outcome.target, outcome.failure, completedAt), ...call };
      // A stream reader waits for a final chunk, success or not; it goes out before the result, which
      // says how many there were for readers that see the result first.
      const chunks = await stream?.finish(outcome.ok ? finishReasonOf(outcome.served.response) : 'error');
      result = chunks === undefined ? built : { ...built, chunks };
      span.set(callAttributes(result, outcome.attempts));
      if (result.error !== undefined) span.fail(`${result.error.code}: ${result.error.message}`);
    } catch (error) {
      span.fail(error);
      throw error;
    } finally {
      span.end();
    }
    // An answer the provider billed goes out even when the worker stopped waiting for it, so its
    // spend is booked: the message stays uncommitted all the same, and its redelivery finds the
    // result booked (no second call) or books the second call's spend as extra.
    if (message.signal.aborted && !outcome.ok) throw new ShutdownAbortError();
    await publishThroughOutage(
      () => this.deps.output.publishResult(result, message.correlation),
      message.signal,
      (error, attempt) => message.log.warn({ resultId: result.resultId, attempt, err: error }, 'the broker is unavailable; publishing the result again'),
      this.deps.publishRetry,
    );
    this.deps.observer.result(result);
    if (message.signal.aborted) throw new ShutdownAbortError();

    const fields = { resultId: result.resultId, provider: result.provider, model: result.model, attempts: outcome.attempts, fellBack: outcome.fellBack };
    if (result.status === 'succeeded') {
      message.log.debug({ ...fields, usage: result.usage, costUsd: result.cost.usd, deadlineMet: result.deadlineMet }, 'result published');
    } else {
      message.log.warn({ ...fields, error: result.error }, 'failed result published');
    }
    return result;
  }
}

/** What the provider call's span records once its result is known. */
function callAttributes(result: InferenceResultV1, attempts: number): SpanAttributes {
  return {
    'gen_ai.provider.name': result.provider,
    'gen_ai.response.model': result.model,
    'gen_ai.usage.input_tokens': result.usage.inputTokens,
    'gen_ai.usage.output_tokens': result.usage.outputTokens,
    'sluice.cost_usd': result.cost.usd,
    'sluice.realtime_cost_usd': result.cost.realtimeUsd,
    'sluice.status': result.status,
    'sluice.attempts': attempts,
    'sluice.provider_request_id': result.providerRequestId,
  };
}
