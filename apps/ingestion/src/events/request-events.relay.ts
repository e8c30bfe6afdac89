import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { decodeJson } from '@sluice/contracts';
import { KAFKA_DRIVER, MessageSigner } from '@sluice/kafka';
import type { AdminDriver, ConsumerDriver, KafkaDriver } from '@sluice/kafka';
import { MetricsRegistry, ROOT_LOGGER, unauthenticatedMessagesCounter, withTimeLimit } from '@sluice/observability';
import type { Counter } from 'prom-client';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { IngestionConfig } from '../ingestion.config';
import { RequestEventsHub } from './request-events.hub';
import { RELAYED_TOPICS } from './stream.items';

// How long opening a stream waits for the relay to go live before it is refused.
const LIVE_WAIT_MS = 10_000;

/**
 * The one consumer of this instance that feeds its event streams. Every instance must see every
 * message (its clients may wait for any request), so it has a consumer group of its own and never
 * commits. It reads only while streams are open: every lifecycle event and result of the whole system
 * passes these topics, and decoding them all for nobody was a fifth of a core per instance under load.
 * Idle, its topics are paused; the first stream to open has it seek to the current end of every
 * partition and resume, before that stream reads the ledger, so what the ledger does not hold yet is
 * still to come on the topics. A restart begins at "now" again; what a reconnecting client missed,
 * the ledger tells it. Starting is not awaited, so it never holds up the service's boot.
 */
@Injectable()
export class RequestEventsRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private consumer?: ConsumerDriver;
  private admin?: AdminDriver;
  private joined = false;
  private live = false;
  private going?: Promise<void>;
  private idleSince?: number;
  private timer?: NodeJS.Timeout;
  private readonly joinWaiters = new Set<() => void>();
  private readonly log: Logger;
  private readonly refused: Counter<'topic' | 'code'>;

  constructor(
    @Inject(KAFKA_DRIVER) private readonly kafka: KafkaDriver,
    private readonly hub: RequestEventsHub,
    private readonly config: IngestionConfig,
    private readonly signer: MessageSigner,
    metrics: MetricsRegistry,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.log = root.child({ component: 'request-events-relay' });
    this.refused = unauthenticatedMessagesCounter(metrics);
  }

  /** True once the group is joined: from then on a stream can go live. */
  get ready(): boolean {
    return this.joined;
  }

  /** True while the relay reads its topics. */
  get reading(): boolean {
    return this.live;
  }

  onApplicationBootstrap(): void {
    const groupId = `${this.config.KAFKA_GROUP_ID}.events.${randomBytes(6).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeMs: 100 });
    this.consumer = consumer;
    this.admin = this.kafka.admin();
    consumer.onGroupJoin(() => {
      this.joined = true;
      // A (re)joined member starts at the latest offsets: nothing older is owed to any stream.
      this.live = !this.hub.isEmpty;
      if (!this.live) consumer.pause(RELAYED_TOPICS);
      this.log.info({ groupId, topics: RELAYED_TOPICS, reading: this.live }, 'request events relay joined its group');
      for (const wake of this.joinWaiters) wake();
    });
    consumer.onCrash(({ error, restart }) => {
      this.joined = false;
      this.live = false;
      if (restart) this.log.warn({ groupId, err: error }, 'request events relay crashed; the driver restarts it');
      else this.log.error({ groupId, err: error }, 'request events relay stopped: event streams get no live messages');
    });
    this.timer = setInterval(() => this.pauseWhenIdle(Date.now()), 1_000);
    this.timer.unref();
    void this.start(consumer).catch((error: unknown) =>
      this.log.error({ groupId, err: error }, 'request events relay could not start: event streams get no live messages'),
    );
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer === undefined) return;
    await consumer.stop().catch((error: unknown) => this.log.warn({ err: error }, 'error while stopping the request events relay'));
    await consumer.disconnect();
    await this.admin?.disconnect().catch(() => undefined);
  }

  /**
   * Resolves once every message published from now on will reach the streams of this instance; a
   * stream registered with the hub calls it before it reads the ledger. Rejects when the relay cannot
   * go live in time (no broker).
   */
  async goLive(): Promise<void> {
    this.idleSince = undefined;
    if (this.live) return;
    this.going ??= this.seekToEnd().finally(() => {
      this.going = undefined;
    });
    await this.going;
  }

  private async seekToEnd(): Promise<void> {
    const consumer = this.consumer;
    const admin = this.admin;
    if (consumer === undefined || admin === undefined) throw new Error('the request events relay is stopped');
    const deadline = Date.now() + LIVE_WAIT_MS;
    await this.joinedBy(deadline);
    const ends = await withTimeLimit(
      Promise.all(RELAYED_TOPICS.map(async (topic) => ({ topic, partitions: await admin.topicOffsets(topic) }))),
      deadline - Date.now(),
      () => new Error('timed out waiting for the ends of the relayed topics'),
    );
    for (const { topic, partitions } of ends) {
      for (const { partition, high } of partitions) consumer.seek(topic, partition, high);
    }
    consumer.resume(RELAYED_TOPICS);
    this.live = true;
  }

  private async joinedBy(deadline: number): Promise<void> {
    if (this.joined) return;
    let wake = (): void => undefined;
    const joined = new Promise<void>((resolve) => {
      wake = resolve;
      this.joinWaiters.add(resolve);
    });
    await withTimeLimit(joined, deadline - Date.now(), () => new Error('timed out waiting for the request events relay to join its group')).finally(() =>
      this.joinWaiters.delete(wake),
    );
  }

  private pauseWhenIdle(now: number): void {
    if (!this.live || this.going !== undefined || !this.hub.isEmpty) {
      this.idleSince = undefined;
      return;
    }
    this.idleSince ??= now;
    if (now - this.idleSince < this.config.INGESTION_SSE_RELAY_LINGER_MS) return;
    this.consumer?.pause(RELAYED_TOPICS);
    this.live = false;
    this.idleSince = undefined;
  }

  private async start(consumer: ConsumerDriver): Promise<void> {
    await consumer.connect();
    await this.admin?.connect();
    await consumer.subscribe(RELAYED_TOPICS, false);
    await consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          const key = message.key?.toString('utf8');
          // Checked only for what a stream waits on: an unsigned event or result never reaches a client.
          if (key !== undefined && this.hub.watches(key)) {
            const check = this.signer.check(message);
            const decoded = check.ok ? decodeJson(message.value) : undefined;
            if (!check.ok) this.refused.inc({ topic: batch.topic, code: check.code });
            else if (decoded?.ok) this.hub.dispatch(batch.topic, decoded.value);
          }
          batch.resolveOffset(message.offset);
        }
      },
    });
  }
}
