import { DynamicModule, Module } from '@nestjs/common';
import { ConfigClass, SluiceConfig, SluiceConfigModule } from '@sluice/config';
import { BulkValve, SluiceKafkaModule } from '@sluice/kafka';
import type { Logger } from 'pino';
import { SluiceDatabaseModule } from '../database/database.module';
import { SluiceHealthModule } from '../health/health.module';
import { SluiceLoggingModule } from '../logging/logging.module';
import { ROOT_LOGGER } from '../logging/logging.tokens';
import { MessageObserver } from '../messages/message.observer';
import { SluiceMetricsModule } from '../metrics/metrics.module';
import { REQUEST_TRACER, REQUEST_TRACER_PROVIDER } from '../tracing/tracing.providers';
import { BULK_VALVE_PROVIDERS } from '../valve/bulk-valve.providers';
import { internalSigner } from './internal.signer';
import { serviceKafkaClient } from './service-kafka.client';
import { SERVICE_NAME } from './service-name.token';

export interface ServiceModuleOptions<C extends SluiceConfig> {
  /** Short service name (`router`): the `service` field of logs and the `service` label of metrics. */
  name: string;
  config: ConfigClass<C>;
}

/**
 * Everything a Sluice service has before its own features: validated config, JSON logging, metrics,
 * the database pool, the Kafka producer, health endpoints, the request tracer and the bulk valve. Global, so a service's feature modules
 * inject any of it. Defining it validates the environment (see SluiceConfigModule), so it throws on a
 * bad one.
 */
@Module({})
export class SluiceServiceModule {
  static forRoot<C extends SluiceConfig>({ name, config }: ServiceModuleOptions<C>): DynamicModule {
    return {
      module: SluiceServiceModule,
      global: true,
      // Nest runs the shutdown hooks of global modules in reverse import order: the database module
      // is imported before Kafka's, so the producer disconnects first and the pool ends after it.
      imports: [
        SluiceConfigModule.forRoot(config),
        SluiceLoggingModule,
        SluiceMetricsModule,
        SluiceDatabaseModule,
        SluiceHealthModule,
        SluiceKafkaModule.forRootAsync({
          inject: [SluiceConfig, ROOT_LOGGER],
          useFactory: (settings: SluiceConfig, logger: Logger) => ({
            client: serviceKafkaClient(settings, logger),
            signer: internalSigner(settings, (message) => logger.warn(message)),
          }),
        }),
      ],
      providers: [{ provide: SERVICE_NAME, useValue: name }, MessageObserver, REQUEST_TRACER_PROVIDER, ...BULK_VALVE_PROVIDERS],
      exports: [SERVICE_NAME, MessageObserver, REQUEST_TRACER, SluiceHealthModule, BulkValve],
    };
  }
}
