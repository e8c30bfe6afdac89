import { InferenceResultV1, messageKey, Topics } from '@sluice/contracts';
import type { ProducerBatch, ProducerMessage } from '@sluice/kafka';
import type {
  BookingOutcome,
  CacheRepository,
  CoalescingKey,
  CoalescingRepository,
  CompletionsRepository,
  RequestRecord,
  RequestRef,
  RequestsRepository,
  WebhookDeliveriesRepository,
} from '@sluice/ledger';
import type { Logger } from 'pino';
import { webhookPayload } from '../webhooks/webhook.payload';
import { completionEvent } from './completion.event';
import { followerResult } from './follower.result';
import { planResult, ResultPlan } from './result.plan';
import { ResultMetrics } from './result.metrics';

/** The correlation headers of the consumed result, carried onto what it causes. */
export interface Correlation {
  correlationId?: string;
  traceparent?: string;
}

export interface ResultHandlerDependencies {
  requests: Pick<RequestsRepository, 'get'>;
  completions: Pick<CompletionsRepository, 'book' | 'get' | 'markPublished'>;
  cache: Pick<CacheRepository, 'put'>;
  coalescing: Pick<CoalescingRepository, 'release'>;
  webhookDeliveries: Pick<WebhookDeliveriesRepository, 'enqueue'>;
  producer: { sendBatch(batches: readonly ProducerBatch[]): Promise<unknown> };
  replyTopics: { exists(topic: string): Promise<boolean> };
  /** Tells the webhook loop a delivery was queued, so it does not wait for its next poll. */
  webhooks: { wake(): void };
  metrics: ResultMetrics;
  clock?: () => Date;
}

export interface ResultHandlerSettings {
  cacheTtlMs: number;
}

export type ReplyOutcome = 'published' | 'missing-topic' | 'none';

/** What handling one result did, for the consumer's log line and for tests. */
export type ResultHandling =
  | { outcome: 'unknown-request' }
  | { outcome: BookingOutcome['outcome']; plan: ResultPlan; followers: number; reply: ReplyOutcome; webhookQueued: boolean };

/**
 * What a cache hit replays (the router reads it back from `cache_entries.result`): the provider's
 * answer, its usage (what a hit saves is priced from it) and the model that answered, plus the
 * result it came from.
 */
export type CachedAnswer = {
  resultId: string;
  response: Record<string, unknown>;
  usage: InferenceResultV1['usage'];
  model: string;
};

/**
 * Finishes a request from its result: books it once, caches the answer and answers the identical
 * requests that waited on it, then publishes the completion (event, replyTo copy, webhook). Every
 * step is idempotent and keyed by stable ids, and the completion is marked published last, so
 * handling the same result again after a failure anywhere finishes the job without doing it twice.
 */
export class ResultHandler {
  private readonly clock: () => Date;

  constructor(
    private readonly deps: ResultHandlerDependencies,
    private readonly settings: ResultHandlerSettings,
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async handle(result: InferenceResultV1, correlation: Correlation, log: Logger): Promise<ResultHandling> {
    const request = await this.deps.requests.get(result.tenant, result.id);
    if (request === undefined) {
      // Ingestion records every request before it can reach a lane, so this result comes from
      // elsewhere (another environment sharing the broker): booking it would invent a request.
      this.deps.metrics.skipped(result.lane, 'unknown-request');
      log.warn({ resultId: result.resultId, lane: result.lane }, 'result for a request the ledger does not know; not booked');
      return { outcome: 'unknown-request' };
    }
    const booking = await this.deps.completions.book(result);
    const published = booking.outcome === 'already-booked' && (await this.isPublished(result));
    const plan = planResult(booking.outcome, { published, cacheable: request.cacheKey !== null, lane: result.lane, status: result.status });
    this.account(result, plan);

    if (plan.cache && request.cacheKey) await this.cacheAnswer(request.cacheKey, result);
    const followers = plan.answerFollowers && request.cacheKey ? await this.releaseFollowers(request.cacheKey, result, log) : 0;
    const delivered = plan.deliver ? await this.deliver(result, request, correlation) : { reply: 'none' as const, webhookQueued: false };
    if (delivered.reply === 'missing-topic') {
      log.warn({ replyTo: request.replyTo }, 'replyTo topic does not exist; the result was not copied there');
    }
    return { outcome: booking.outcome, plan, followers, ...delivered };
  }

  private async isPublished(result: InferenceResultV1): Promise<boolean> {
    const completion = await this.deps.completions.get(result.tenant, result.id);
    return completion?.publishedAt !== null && completion?.publishedAt !== undefined;
  }

  private account(result: InferenceResultV1, plan: ResultPlan): void {
    if (plan.account === 'completion') this.deps.metrics.completion(result);
    else if (plan.account === 'bill') this.deps.metrics.superseded(result);
    else if (!plan.deliver) this.deps.metrics.skipped(result.lane, 'duplicate');
  }

  private async cacheAnswer(key: CoalescingKey, result: InferenceResultV1): Promise<void> {
    const answer: CachedAnswer = {
      resultId: result.resultId,
      response: result.response ?? {},
      usage: result.usage,
      model: result.model,
    };
    await this.deps.cache.put({
      tenant: key.scope,
      contentHash: key.contentHash,
      provider: result.provider,
      model: result.model,
      result: answer,
      sourceRequestId: result.id,
      expiresAt: new Date(this.clock().getTime() + this.settings.cacheTtlMs),
    });
  }

  /**
   * The followers' results go back to the results topic and through this handler like any other,
   * so they are booked and delivered the same way. They are produced inside the release, before it
   * commits, so a failure here leaves the followers waiting for the next try rather than forgotten.
   */
  private async releaseFollowers(key: CoalescingKey, leader: InferenceResultV1, log: Logger): Promise<number> {
    const released = await this.deps.coalescing.release(key, { tenant: leader.tenant, requestId: leader.id }, async (followers) => {
      const completedAt = this.clock();
      const messages: ProducerMessage[] = [];
      for (const ref of followers) {
        const follower = await this.deps.requests.get(ref.tenant, ref.requestId);
        if (follower === undefined) {
          log.warn({ follower: ref }, 'coalesced follower is not in the ledger; nothing to answer');
          continue;
        }
        messages.push({ key: messageKey(follower.id), value: followerResult(leader, follower, completedAt), requestId: follower.id });
      }
      if (messages.length > 0) await this.deps.producer.sendBatch([{ topic: Topics.Results, messages }]);
    });
    if (released.length > 0) log.info({ followers: released.map((ref: RequestRef) => ref.requestId) }, 'answered coalesced followers');
    return released.length;
  }

  private async deliver(
    result: InferenceResultV1,
    request: RequestRecord,
    correlation: Correlation,
  ): Promise<{ reply: ReplyOutcome; webhookQueued: boolean }> {
    const event = completionEvent(result);
    const headers = { requestId: result.id, ...correlation };
    const batches: ProducerBatch[] = [{ topic: Topics.Events, messages: [{ key: messageKey(result.id), value: event, ...headers }] }];
    let reply: ReplyOutcome = 'none';
    if (request.replyTo !== null) {
      reply = (await this.deps.replyTopics.exists(request.replyTo)) ? 'published' : 'missing-topic';
      if (reply === 'published') batches.push({ topic: request.replyTo, messages: [{ key: messageKey(result.id), value: result, ...headers }] });
      else this.deps.metrics.replyTopicMissing();
    }
    await this.deps.producer.sendBatch(batches);
    // False when this event was queued before (a repeat): the queued delivery carries on as it was.
    const webhookQueued =
      request.webhookUrl !== null &&
      (await this.deps.webhookDeliveries.enqueue({
        eventId: event.eventId,
        tenant: result.tenant,
        requestId: result.id,
        url: request.webhookUrl,
        payload: webhookPayload(event, result),
      }));
    await this.deps.completions.markPublished(result.tenant, result.id);
    if (webhookQueued) this.deps.webhooks.wake();
    return { reply, webhookQueued };
  }
}
