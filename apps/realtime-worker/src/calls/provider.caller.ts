import type { Operation } from '@sluice/contracts';
import {
  DEFAULT_PROVIDER_TIMEOUT_MS,
  isRetryableKind,
  ProviderAdapters,
  ProviderError,
  ProviderErrorKind,
  ProviderUsage,
  RealtimeTier,
} from '@sluice/providers';
import { ConcurrencyLimiter, LimiterAbortedError, Release, WorkerLane } from '../limiter/concurrency.limiter';
import { deadlineFailure, providerFailure, WorkerFailure } from '../result/failure.mapping';
import type { ServedCall } from '../result/result.builder';
import { planRetry, ProviderRetryPolicy } from '../retry/retry.planner';
import type { StreamChunkPublisher } from '../stream/stream-chunk.publisher';
import { tierFor } from '../targets/lane.tier';
import { ProviderTarget, targetKey } from '../targets/provider.target';
import type { Sleep } from '@sluice/observability';
import { randomUUID } from 'node:crypto';

/** How a provider call ended, for the call-latency histogram: `success`, a ProviderError kind, or `error` (a bug). */
export type CallOutcomeLabel = 'success' | ProviderErrorKind | 'error';

export interface CallObserver {
  providerCall(target: ProviderTarget, lane: WorkerLane, outcome: CallOutcomeLabel, seconds: number): void;
  retry(target: ProviderTarget, lane: WorkerLane, kind: ProviderErrorKind): void;
  fallback(from: ProviderTarget, to: ProviderTarget, lane: WorkerLane): void;
}

export interface CallPlan {
  lane: WorkerLane;
  operation: Operation;
  /** The provider's own request body, `model` included (replaced for a fallback). */
  body: Record<string, unknown>;
  /** The requested target first, then its fallback if one is configured. */
  targets: readonly ProviderTarget[];
  /** Epoch milliseconds the answer is due; absent means only the attempt count bounds retries. */
  deadline?: number;
  /** Fires when the worker stops waiting for this request (shutdown deadline): everything stops at once. */
  signal: AbortSignal;
  /** Set for streamed chat completions: deltas go out through it as they arrive. */
  stream?: StreamChunkPublisher;
}

export type CallOutcome =
  | { ok: true; served: ServedCall; attempts: number; fellBack: boolean }
  | { ok: false; target: ProviderTarget; failure: WorkerFailure; attempts: number; fellBack: boolean };

/** The worker gave up on a request because it is shutting down: nothing is published, nothing committed. */
export class ShutdownAbortError extends Error {
  override readonly name = 'ShutdownAbortError';

  constructor(options?: { cause?: unknown }) {
    super('the worker stopped waiting for this request; it stays uncommitted and is redelivered', options);
  }
}

export interface ProviderCallerDeps {
  adapters: Pick<ProviderAdapters, 'realtime'>;
  limiter: ConcurrencyLimiter;
  policy: ProviderRetryPolicy;
  observer: CallObserver;
  sleep: Sleep;
  /** Epoch milliseconds. */
  clock?: () => number;
  random?: () => number;
}

type TargetOutcome = { ok: true; served: ServedCall; attempts: number } | { ok: false; failure: WorkerFailure; attempts: number; mayFallBack: boolean };

interface Answer {
  response: unknown;
  usage: ProviderUsage;
  providerRequestId: string;
}

/**
 * The provider's id of the call, or one made up when it sent none: every answered call needs an id
 * of its own, so the ledger tells a second call for one result (a redelivery) from the same one again.
 */
function callIdOf(providerRequestId: string | null): string {
  return providerRequestId ?? `sluice-${randomUUID()}`;
}

// setTimeout's limit; deadlines can be days away (async lane), beyond what one timer can wait.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls a provider for one request: one limiter slot per call, retries of what may pass (honouring
 * retry-after, backing off otherwise) while the deadline allows, then the fallback target once the
 * requested one gave up on a retryable failure. Failures the provider reports are returned as values;
 * only bugs and the shutdown signal throw.
 */
export class ProviderCaller {
  private readonly clock: () => number;
  private readonly random: () => number;

  constructor(private readonly deps: ProviderCallerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  async call(plan: CallPlan): Promise<CallOutcome> {
    let attempts = 0;
    let failed: { target: ProviderTarget; failure: WorkerFailure } | undefined;
    for (const [index, target] of plan.targets.entries()) {
      if (index > 0) {
        if (plan.deadline !== undefined && plan.deadline - this.clock() < this.deps.policy.minAttemptMs) break;
        this.deps.observer.fallback(plan.targets[index - 1]!, target, plan.lane);
      }
      const outcome = await this.callTarget(plan, target);
      attempts += outcome.attempts;
      if (outcome.ok) return { ok: true, served: outcome.served, attempts, fellBack: index > 0 };
      failed = { target, failure: outcome.failure };
      if (!outcome.mayFallBack) break;
    }
    if (!failed) throw new Error('a call plan needs at least one target');
    return { ok: false, ...failed, attempts, fellBack: failed.target !== plan.targets[0] };
  }

  private async callTarget(plan: CallPlan, target: ProviderTarget): Promise<TargetOutcome> {
    const key = targetKey(target);
    const tier = tierFor(plan.lane, plan.operation, target);
    const body = plan.body.model === target.model ? plan.body : { ...plan.body, model: target.model };
    for (let attempt = 1; ; attempt += 1) {
      const remaining = plan.deadline === undefined ? undefined : plan.deadline - this.clock();
      if (remaining !== undefined && remaining <= 0) {
        const reason = attempt === 1 ? `the deadline passed before ${key} could be called` : `the deadline passed while retrying ${key}`;
        return { ok: false, failure: deadlineFailure(reason), attempts: attempt - 1, mayFallBack: false };
      }
      const release = await this.slot(plan, key, remaining);
      if (!release) {
        return {
          ok: false,
          failure: deadlineFailure(`the deadline passed while waiting for a free ${key} slot`),
          attempts: attempt - 1,
          mayFallBack: false,
        };
      }
      const started = this.clock();
      let error: ProviderError;
      try {
        const answer = await this.invoke(plan, target, body, tier, this.callTimeout(plan));
        this.deps.observer.providerCall(target, plan.lane, 'success', (this.clock() - started) / 1000);
        return { ok: true, served: { target, tier, ...answer }, attempts: attempt };
      } catch (thrown) {
        if (plan.signal.aborted) throw new ShutdownAbortError({ cause: thrown });
        const outcome = thrown instanceof ProviderError ? thrown.kind : 'error';
        this.deps.observer.providerCall(target, plan.lane, outcome, (this.clock() - started) / 1000);
        if (!(thrown instanceof ProviderError)) throw thrown;
        error = thrown;
      } finally {
        release();
      }
      // Text already on the stream topic cannot be taken back: a second call would repeat it.
      if (plan.stream?.started) {
        return { ok: false, failure: providerFailure(error, 'not-retryable', attempt), attempts: attempt, mayFallBack: false };
      }
      const next = planRetry(
        { attempt, kind: error.kind, retryAfterMs: error.retryAfterMs, now: this.clock(), deadline: plan.deadline },
        this.deps.policy,
        this.random,
      );
      if (next.action === 'stop') {
        return {
          ok: false,
          failure: providerFailure(error, next.reason, attempt),
          attempts: attempt,
          mayFallBack: next.reason !== 'not-retryable' && isRetryableKind(error.kind),
        };
      }
      this.deps.observer.retry(target, plan.lane, error.kind);
      if (!(await this.deps.sleep(next.delayMs, plan.signal))) throw new ShutdownAbortError({ cause: error });
    }
  }

  /** A provider slot, or undefined when the deadline passed while waiting; throws on shutdown. */
  private async slot(plan: CallPlan, key: string, remaining: number | undefined): Promise<Release | undefined> {
    // One controller for shutdown and deadline, its timer cleared as soon as a slot is granted:
    // async deadlines are hours away, and timers left pending per call would pile up.
    const waiting = new AbortController();
    const stopWaiting = (): void => waiting.abort();
    const timer = remaining === undefined ? undefined : setTimeout(stopWaiting, Math.min(remaining, MAX_TIMER_MS));
    plan.signal.addEventListener('abort', stopWaiting, { once: true });
    try {
      return await this.deps.limiter.acquire(key, plan.lane, plan.signal.aborted ? plan.signal : waiting.signal);
    } catch (error) {
      if (plan.signal.aborted) throw new ShutdownAbortError({ cause: error });
      if (error instanceof LimiterAbortedError) return undefined;
      throw error;
    } finally {
      clearTimeout(timer);
      plan.signal.removeEventListener('abort', stopWaiting);
    }
  }

  /** The call may take what is left until the deadline (the client's own limit when that is further away). */
  private callTimeout(plan: CallPlan): number | undefined {
    if (plan.deadline === undefined) return undefined;
    const remaining = plan.deadline - this.clock();
    return remaining >= DEFAULT_PROVIDER_TIMEOUT_MS ? undefined : Math.max(1, remaining);
  }

  private async invoke(
    plan: CallPlan,
    target: ProviderTarget,
    body: Record<string, unknown>,
    tier: RealtimeTier,
    timeoutMs: number | undefined,
  ): Promise<Answer> {
    const adapter = this.deps.adapters.realtime(target.provider);
    const options = { body, signal: plan.signal, ...(timeoutMs !== undefined && { timeoutMs }) };
    if (plan.operation === 'embedding' || !plan.stream) {
      const answer = plan.operation === 'embedding' ? await adapter.embed(options) : await adapter.complete({ ...options, tier });
      return { response: answer.response, usage: answer.usage, providerRequestId: callIdOf(answer.providerRequestId) };
    }
    for await (const chunk of adapter.stream({ ...options, tier })) {
      if (chunk.type === 'delta') plan.stream.push(chunk.text);
      else return { response: chunk.response, usage: chunk.usage, providerRequestId: callIdOf(chunk.providerRequestId) };
    }
    throw new Error(`the ${target.provider} stream ended without its final chunk`);
  }
}
