import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type OnModuleInit,
  type OptionalFactoryDependency,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { KafkaClientConfig } from '../config/kafka-client.config';
import { createKafkaDriver } from '../drivers/kafka.driver.factory';
import type { KafkaDriver } from '../port/driver.port';
import { KafkaProducer, type KafkaProducerOptions } from '../producer/kafka.producer';
import { MessageSigner } from '../signing/message.signer';
import { SluiceKafkaErrorInterceptor } from './handler-error.interceptor';

export const KAFKA_DRIVER = Symbol('KAFKA_DRIVER');
const KAFKA_MODULE_OPTIONS = Symbol('KAFKA_MODULE_OPTIONS');

export interface SluiceKafkaModuleOptions {
  client: KafkaClientConfig;
  producer?: Omit<KafkaProducerOptions, 'signer'>;
  /** Signs what the producer sends and checks what the service's consumers take (see MessageSigner); the development key when absent. */
  signer?: MessageSigner;
}

export interface SluiceKafkaModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (...args: never[]) => SluiceKafkaModuleOptions | Promise<SluiceKafkaModuleOptions>;
}

/**
 * Connects the producer before the application starts and disconnects it in
 * onApplicationShutdown, which Nest runs after microservices (the consumer) have closed: messages
 * handled during the drain can still be produced.
 */
@Injectable()
class KafkaProducerLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(KafkaProducer) private readonly producer: KafkaProducer) {}

  onModuleInit(): Promise<void> {
    return this.producer.connect();
  }

  onApplicationShutdown(): Promise<void> {
    return this.producer.disconnect();
  }
}

/**
 * The application's KafkaProducer (and the driver behind it), plus the interceptor that lets
 * SluiceKafkaTransport see the errors handlers throw. Global: import it once in the root module.
 */
@Module({})
export class SluiceKafkaModule {
  static forRoot(options: SluiceKafkaModuleOptions): DynamicModule {
    return SluiceKafkaModule.build({ provide: KAFKA_MODULE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: SluiceKafkaModuleAsyncOptions): DynamicModule {
    return SluiceKafkaModule.build({ provide: KAFKA_MODULE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory }, options.imports);
  }

  private static build(optionsProvider: Provider, imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: SluiceKafkaModule,
      global: true,
      imports,
      providers: [
        optionsProvider,
        {
          provide: KAFKA_DRIVER,
          inject: [KAFKA_MODULE_OPTIONS],
          useFactory: (options: SluiceKafkaModuleOptions): KafkaDriver => createKafkaDriver(options.client),
        },
        { provide: MessageSigner, inject: [KAFKA_MODULE_OPTIONS], useFactory: (options: SluiceKafkaModuleOptions) => options.signer ?? new MessageSigner() },
        {
          provide: KafkaProducer,
          inject: [KAFKA_DRIVER, KAFKA_MODULE_OPTIONS, MessageSigner],
          useFactory: (kafka: KafkaDriver, options: SluiceKafkaModuleOptions, signer: MessageSigner) =>
            new KafkaProducer(kafka, { ...options.producer, signer }),
        },
        KafkaProducerLifecycle,
        { provide: APP_INTERCEPTOR, useClass: SluiceKafkaErrorInterceptor },
      ],
      exports: [KAFKA_DRIVER, KafkaProducer, MessageSigner],
    };
  }
}
