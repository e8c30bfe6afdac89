import { InferenceResultV1, messageKey, Topics } from '@sluice/contracts';
import { type ProducerBatch, type ProducerMessage, type RetryBackoff, waitOutOutage } from '@sluice/kafka';
import {
  BookingOutcome,
  BulkBookingOutcome,
  CacheRepository,
  CoalescingRepository,
  CompletionsRepository,
  FlightEnd,
  NewCacheEntry,
  NewWebhookDelivery,
  ReleasedFlight,
  RequestRecord,
  requestKey,
  RequestsRepository,
  WebhookDeliveriesRepository,
} from '@sluice/ledger';
import type { Logger } from 'pino';
import { webhookPayload } from '../webhooks/webhook.payload';
import { completionEvent } from './completion.event';
import { followerResult } from './follower.result';
import { isolateFailures, ItemOutcome } from './poison';
import { planBatch, ResultPlan } from './result.plan';
import { ResultMetrics } from './result.metrics';

/** The correlation headers of the consumed result, carried onto what it causes. */
export interface Correlation {
  correlationId?: string;
  traceparent?: string;
}

/** One consumed result, with what its message said around it. */
export interface IncomingResult {
  result: InferenceResultV1;
  correlation: Correlation;
  /** A logger bound to the result's message (topic, partition, offset, request, tenant), made on first use. */
  log: () => Logger;
}

export interface ResultHandlerDependencies {
  requests: Pick<RequestsRepository, 'getMany'>;
  completions: Pick<CompletionsRepository, 'bookMany' | 'markPublishedMany'>;
  cache: Pick<CacheRepository, 'putMany'>;
  coalescing: Pick<CoalescingRepository, 'releaseMany'>;
  webhookDeliveries: Pick<WebhookDeliveriesRepository, 'enqueueMany'>;
  producer: { sendBatch(batches: readonly ProducerBatch[]): Promise<unknown> };
  replyTopics: { exists(topic: string): Promise<boolean> };
  /** Tells the webhook loop a delivery was queued, so it does not wait for its next poll. */
  webhooks: { wake(): void };
  metrics: ResultMetrics;
  clock?: () => Date;
  /** How the ledger writes after publishing wait out a database outage (waitOutOutage's own unless given). */
  outageBackoff?: RetryBackoff;
}

export interface ResultHandlerSettings {
  cacheTtlMs: number;
}

export type ReplyOutcome = 'published' | 'missing-topic' | 'none';

/** What handling one result did, for the consumer's log line and for tests. */
export type ResultHandling =
  { outcome: 'unknown-request' } | { outcome: BookingOutcome['outcome']; plan: ResultPlan; followers: number; reply: ReplyOutcome; webhookQueued: boolean };

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

/** A result of the batch whose request the ledger knows, with how it was booked and what to do. */
interface Booked {
  index: number;
  incoming: IncomingResult;
  request: RequestRecord;
  booking: BulkBookingOutcome;
  plan: ResultPlan;
}

/**
 * Finishes requests from their results, a batch at a time, in a fixed number of round trips
 * whatever the batch's size: reads the requests, books the results (once per request), caches the
 * answers and answers the identical requests that waited on them, publishes the completions
 * (events, replyTo copies: one producer send), queues their webhooks, then marks them published.
 * Every step is idempotent and keyed by stable ids, and completions are marked published last, so
 * handling the same results again after a failure anywhere finishes the job without doing it twice.
 */
export class ResultHandler {
  private readonly clock: () => Date;

  constructor(
    private readonly deps: ResultHandlerDependencies,
    private readonly settings: ResultHandlerSettings,
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * One outcome per result, in order. A failure one result may cause (a value the ledger refuses)
   * fails that result alone; the others are handled. A failure of the ledger or the broker fails all.
   */
  async handleBatch(batch: readonly IncomingResult[], signal: AbortSignal): Promise<Array<ItemOutcome<ResultHandling>>> {
    return isolateFailures(batch, (part) => this.handleAll(part, signal));
  }

  /**
   * `write` again until the database answers; `signal` (the runner gave up on the batch) ends the
   * wait with the outage's error, and the batch is handled again.
   */
  private afterPublishing<T>(signal: AbortSignal, batch: readonly IncomingResult[], write: () => Promise<T>): Promise<T> {
    return waitOutOutage(write, {
      signal,
      backoff: this.deps.outageBackoff,
      onWait: (error, attempt) =>
        batch[0]
          ?.log()
          .warn({ reason: error.message, attempt, results: batch.length }, 'completions published; waiting for the ledger to record their delivery'),
      stopped: (last) => last,
    });
  }

  private async handleAll(batch: readonly IncomingResult[], signal: AbortSignal): Promise<ResultHandling[]> {
    const handlings = new Array<ResultHandling>(batch.length);
    const requests = await this.deps.requests.getMany(batch.map(({ result }) => ({ tenant: result.tenant, id: result.id })));
    const known: Array<{ index: number; incoming: IncomingResult; request: RequestRecord }> = [];
    batch.forEach((incoming, index) => {
      const request = requests.get(requestKey(incoming.result.tenant, incoming.result.id));
      if (request !== undefined) {
        known.push({ index, incoming, request });
        return;
      }
      // Ingestion records every request before it can reach a lane, so this result comes from
      // elsewhere (another environment sharing the broker): booking it would invent a request.
      const { result, log } = incoming;
      this.deps.metrics.skipped(result.lane, 'unknown-request');
      log().warn({ resultId: result.resultId, lane: result.lane }, 'result for a request the ledger does not know; not booked');
      handlings[index] = { outcome: 'unknown-request' };
    });
    if (known.length === 0) return handlings;

    const bookings = await this.deps.completions.bookMany(known.map(({ incoming }) => incoming.result));
    const plans = planBatch(
      known.map(({ incoming: { result }, request }, i) => ({
        requestKey: requestKey(result.tenant, result.id),
        outcome: bookings[i].outcome,
        facts: { published: bookings[i].published, cacheable: request.cacheKey !== null, lane: result.lane, status: result.status },
      })),
    );
    const booked: Booked[] = known.map((entry, i) => ({ ...entry, booking: bookings[i], plan: plans[i] }));
    for (const { incoming, plan, booking } of booked) {
      this.account(incoming.result, plan);
      if (booking.extraSpend) {
        this.deps.metrics.extraSpend(incoming.result);
        const { resultId, providerRequestId, cost } = incoming.result;
        incoming
          .log()
          .warn({ resultId, providerRequestId, costUsd: cost.usd }, 'another provider call answered a recorded result; its spend was booked as extra');
      }
    }

    await this.deps.cache.putMany(booked.filter(({ plan, request }) => plan.cache && request.cacheKey !== null).map((b) => this.cacheEntry(b)));
    const deliveries = await this.deliveries(booked.filter(({ plan }) => plan.deliver));
    const ends: FlightEnd[] = booked
      .filter(({ plan, request }) => plan.answerFollowers && request.cacheKey !== null)
      .map(({ incoming: { result }, request }) => ({ key: request.cacheKey!, leader: { tenant: result.tenant, requestId: result.id } }));
    // The followers' results go back to the results topic and through this handler like any other,
    // so they are booked and delivered the same way. They are produced inside the release, before
    // it commits, so a failure here leaves the followers waiting for the next try, not forgotten.
    const released = await this.deps.coalescing.releaseMany(ends, async (flights) => {
      const answers = await this.followerAnswers(flights, booked);
      if (answers.length > 0) await this.deps.producer.sendBatch([{ topic: Topics.Results, messages: answers }]);
    });
    if (deliveries.batches.length > 0) await this.deps.producer.sendBatch(deliveries.batches);
    // The replies and events are out: a failure from here on would send them again with the batch's
    // retry, which readers of a replyTo topic would see twice. So the ledger writes that finish the
    // delivery wait out a database outage instead of failing the batch.
    // False for an event queued before (a repeat): the queued delivery carries on as it was.
    const queued = await this.afterPublishing(signal, batch, () => this.deps.webhookDeliveries.enqueueMany(deliveries.webhooks));
    await this.afterPublishing(signal, batch, () =>
      this.deps.completions.markPublishedMany(
        booked.filter(({ plan }) => plan.deliver).map(({ incoming: { result } }) => ({ tenant: result.tenant, requestId: result.id })),
      ),
    );
    if (queued.size > 0) this.deps.webhooks.wake();

    const followersOf = new Map(released.map((flight) => [requestKey(flight.leader.tenant, flight.leader.requestId), flight.followers.length]));
    for (const { index, incoming, booking, plan } of booked) {
      const { result } = incoming;
      const reply = plan.deliver ? (deliveries.replies.get(index) ?? 'none') : 'none';
      const eventId = plan.deliver ? deliveries.eventIds.get(index) : undefined;
      handlings[index] = {
        outcome: booking.outcome,
        plan,
        followers: plan.answerFollowers ? (followersOf.get(requestKey(result.tenant, result.id)) ?? 0) : 0,
        reply,
        webhookQueued: eventId !== undefined && queued.has(eventId),
      };
    }
    return handlings;
  }

  private account(result: InferenceResultV1, plan: ResultPlan): void {
    if (plan.account === 'completion') this.deps.metrics.completion(result);
    else if (plan.account === 'bill') this.deps.metrics.superseded(result);
    else if (!plan.deliver) this.deps.metrics.skipped(result.lane, 'duplicate');
  }

  private cacheEntry({ incoming: { result }, request }: Booked): NewCacheEntry {
    const key = request.cacheKey!;
    const answer: CachedAnswer = { resultId: result.resultId, response: result.response ?? {}, usage: result.usage, model: result.model };
    return {
      tenant: key.scope,
      contentHash: key.contentHash,
      provider: result.provider,
      model: result.model,
      result: answer,
      sourceRequestId: result.id,
      expiresAt: new Date(this.clock().getTime() + this.settings.cacheTtlMs),
    };
  }

  /** The released followers' answers, from their leaders' results; followers are read in one go. */
  private async followerAnswers(flights: readonly ReleasedFlight[], booked: readonly Booked[]): Promise<ProducerMessage[]> {
    const refs = flights.flatMap((flight) => flight.followers);
    if (refs.length === 0) return [];
    const leaders = new Map(booked.map((b) => [requestKey(b.incoming.result.tenant, b.incoming.result.id), b]));
    const followers = await this.deps.requests.getMany(refs.map((ref) => ({ tenant: ref.tenant, id: ref.requestId })));
    const completedAt = this.clock();
    const messages: ProducerMessage[] = [];
    for (const flight of flights) {
      const leader = leaders.get(requestKey(flight.leader.tenant, flight.leader.requestId));
      if (leader === undefined) continue;
      for (const ref of flight.followers) {
        const follower = followers.get(requestKey(ref.tenant, ref.requestId));
        if (follower === undefined) {
          leader.incoming.log().warn({ follower: ref }, 'coalesced follower is not in the ledger; nothing to answer');
          continue;
        }
        messages.push({ key: messageKey(follower.id), value: followerResult(leader.incoming.result, follower, completedAt), requestId: follower.id });
      }
      if (flight.followers.length > 0) {
        leader.incoming.log().info({ followers: flight.followers.map((ref) => ref.requestId) }, 'answered coalesced followers');
      }
    }
    return messages;
  }

  /** The events, replyTo copies (one producer batch per topic) and webhooks of the delivered results. */
  private async deliveries(delivered: readonly Booked[]): Promise<{
    batches: ProducerBatch[];
    webhooks: NewWebhookDelivery[];
    replies: Map<number, ReplyOutcome>;
    eventIds: Map<number, string>;
  }> {
    const byTopic = new Map<string, ProducerMessage[]>();
    const add = (topic: string, message: ProducerMessage): void => {
      const messages = byTopic.get(topic);
      if (messages === undefined) byTopic.set(topic, [message]);
      else messages.push(message);
    };
    const webhooks: NewWebhookDelivery[] = [];
    const replies = new Map<number, ReplyOutcome>();
    const eventIds = new Map<number, string>();
    for (const { index, incoming, request } of delivered) {
      const { result, correlation, log } = incoming;
      const event = completionEvent(result);
      eventIds.set(index, event.eventId);
      const headers = { requestId: result.id, ...correlation };
      add(Topics.Events, { key: messageKey(result.id), value: event, ...headers });
      if (request.replyTo !== null) {
        const exists = await this.deps.replyTopics.exists(request.replyTo);
        replies.set(index, exists ? 'published' : 'missing-topic');
        if (exists) add(request.replyTo, { key: messageKey(result.id), value: result, ...headers });
        else {
          this.deps.metrics.replyTopicMissing();
          log().warn({ replyTo: request.replyTo }, 'replyTo topic does not exist; the result was not copied there');
        }
      }
      if (request.webhookUrl !== null) {
        webhooks.push({ eventId: event.eventId, tenant: result.tenant, requestId: result.id, url: request.webhookUrl, payload: webhookPayload(event, result) });
      }
    }
    const batches = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    return { batches, webhooks, replies, eventIds };
  }
}
