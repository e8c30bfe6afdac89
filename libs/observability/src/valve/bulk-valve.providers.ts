import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { SluiceConfig } from '@sluice/config';
import { Topics } from '@sluice/contracts';
import { BulkValve, KAFKA_DRIVER, type KafkaDriver, TopicWatermarks } from '@sluice/kafka';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../logging/logging.tokens';

/** The admin connection the valve reads its signal on, closed with the application. */
@Injectable()
export class UrgentSignal implements OnApplicationShutdown {
  // Only the realtime path's accepted topic: deferrable requests produced to sluice.requests.v1
  // (the throughput benchmark's load) never narrow the valve.
  readonly watermarks: TopicWatermarks;

  constructor(@Inject(KAFKA_DRIVER) kafka: KafkaDriver) {
    this.watermarks = new TopicWatermarks(kafka.admin(), [Topics.AcceptedUrgent]);
  }

  onApplicationShutdown(): Promise<void> {
    return this.watermarks.close();
  }
}

/** One BulkValve per process, shared by its deferrable consumer groups and job uploads. */
export const BULK_VALVE_PROVIDERS: Provider[] = [
  UrgentSignal,
  {
    provide: BulkValve,
    inject: [SluiceConfig, UrgentSignal, ROOT_LOGGER],
    useFactory: (config: SluiceConfig, signal: UrgentSignal, logger: Logger) =>
      new BulkValve(
        signal.watermarks.read,
        {
          dutyPercent: config.BULK_VALVE_DUTY_PERCENT,
          holdMs: config.BULK_VALVE_HOLD_MS,
          probeIntervalMs: config.BULK_VALVE_PROBE_MS,
          maxRestMs: 2_000,
        },
        {
          probeFailed: (error) => logger.warn({ err: error }, 'could not read the urgent signal; the bulk valve keeps its last decision'),
          changed: (narrow) =>
            logger.info(
              { dutyPercent: config.BULK_VALVE_DUTY_PERCENT },
              narrow ? 'urgent work flows: deferrable work gives way' : 'no urgent work: deferrable work runs flat out',
            ),
        },
      ),
  },
];
