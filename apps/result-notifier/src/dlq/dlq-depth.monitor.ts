import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Topics } from '@sluice/contracts';
import { KAFKA_DRIVER, KafkaAdmin, type KafkaDriver } from '@sluice/kafka';
import { DlqDispositionsRepository } from '@sluice/ledger';
import { abortableSleep, MetricsRegistry, PG_POOL, ROOT_LOGGER } from '@sluice/observability';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import { ResultNotifierConfig } from '../result-notifier.config';
import { measureDlqDepth } from './dlq-depth';

/**
 * Publishes `sluice_dlq_depth_messages` from a loop of its own, so a scrape costs nothing: one
 * offsets request to the broker and one count in the ledger per interval. A failed refresh keeps the
 * last value and is logged; the next one tries again.
 */
@Injectable()
export class DlqDepthMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly admin: KafkaAdmin;
  private readonly dispositions: DlqDispositionsRepository;
  private readonly gauge: Gauge;
  private readonly stopped = new AbortController();
  private running?: Promise<void>;

  constructor(
    @Inject(KAFKA_DRIVER) kafka: KafkaDriver,
    @Inject(PG_POOL) pool: Pool,
    @Inject(MetricsRegistry) registry: MetricsRegistry,
    @Inject(ResultNotifierConfig) private readonly config: ResultNotifierConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.admin = new KafkaAdmin(kafka);
    this.dispositions = new DlqDispositionsRepository(pool);
    this.gauge = registry.gauge({
      name: 'sluice_dlq_depth_messages',
      help: `Messages on ${Topics.Dlq} not replayed or dropped (npx sluice dlq), refreshed every NOTIFIER_DLQ_DEPTH_INTERVAL_MS; each notifier copy reports the same figure.`,
    });
  }

  private async refresh(): Promise<void> {
    const depth = await measureDlqDepth(Topics.Dlq, {
      topicOffsets: (topic) => this.admin.topicOffsets(topic),
      countRetained: (topic, lows) => this.dispositions.countRetained(topic, lows),
    });
    this.gauge.set(depth);
  }

  onApplicationBootstrap(): void {
    this.running = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopped;
    let connected = false;
    try {
      do {
        try {
          if (!connected) {
            await this.admin.connect();
            connected = true;
          }
          await this.refresh();
        } catch (error) {
          this.logger.warn({ err: error, topic: Topics.Dlq }, 'could not measure the dead-letter depth; keeping the last value');
        }
      } while (await abortableSleep(this.config.NOTIFIER_DLQ_DEPTH_INTERVAL_MS, signal));
    } finally {
      if (connected) await this.admin.disconnect().catch(() => undefined);
    }
  }
}
