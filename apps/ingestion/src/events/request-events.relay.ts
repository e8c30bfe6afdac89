import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { decodeJson } from '@sluice/contracts';
import { KAFKA_DRIVER } from '@sluice/kafka';
import type { ConsumerDriver, KafkaDriver } from '@sluice/kafka';
import { ROOT_LOGGER } from '@sluice/observability';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { IngestionConfig } from '../ingestion.config';
import { RequestEventsHub } from './request-events.hub';
import { RELAYED_TOPICS } from './stream.items';

/**
 * The one consumer of this instance that feeds its event streams. Every instance must see every
 * message (its clients may wait for any request), so it has a consumer group of its own, starts from
 * the latest offsets and never commits: a restart begins at "now" again, and what a reconnecting
 * client missed, the ledger tells it. Starting is not awaited, so it never holds up the service's boot.
 */
@Injectable()
export class RequestEventsRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private consumer?: ConsumerDriver;
  private joined = false;
  private readonly log: Logger;

  constructor(
    @Inject(KAFKA_DRIVER) private readonly kafka: KafkaDriver,
    private readonly hub: RequestEventsHub,
    private readonly config: IngestionConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.log = root.child({ component: 'request-events-relay' });
  }

  /** True once the group is joined: streams opened from then on miss nothing published later. */
  get ready(): boolean {
    return this.joined;
  }

  onApplicationBootstrap(): void {
    const groupId = `${this.config.KAFKA_GROUP_ID}.events.${randomBytes(6).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeMs: 100 });
    this.consumer = consumer;
    consumer.onGroupJoin(() => {
      this.joined = true;
      this.log.info({ groupId, topics: RELAYED_TOPICS }, 'request events relay joined its group');
    });
    consumer.onCrash(({ error, restart }) => {
      this.joined = false;
      if (restart) this.log.warn({ groupId, err: error }, 'request events relay crashed; the driver restarts it');
      else this.log.error({ groupId, err: error }, 'request events relay stopped: event streams get no live messages');
    });
    void this.start(consumer).catch((error: unknown) =>
      this.log.error({ groupId, err: error }, 'request events relay could not start: event streams get no live messages'),
    );
  }

  async onModuleDestroy(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer === undefined) return;
    await consumer.stop().catch((error: unknown) => this.log.warn({ err: error }, 'error while stopping the request events relay'));
    await consumer.disconnect();
  }

  private async start(consumer: ConsumerDriver): Promise<void> {
    await consumer.connect();
    await consumer.subscribe(RELAYED_TOPICS, false);
    await consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          const key = message.key?.toString('utf8');
          if (key !== undefined && this.hub.watches(key)) {
            const decoded = decodeJson(message.value);
            if (decoded.ok) this.hub.dispatch(batch.topic, decoded.value);
          }
          batch.resolveOffset(message.offset);
        }
      },
    });
  }
}
