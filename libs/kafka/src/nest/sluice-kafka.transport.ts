import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { KafkaClientConfig } from '../config/kafka-client.config';
import type { MessageModeOptions } from '../consumer/consumer-runner.options';
import { ConsumerRunner } from '../consumer/consumer.runner';
import type {
  ConsumerHealth,
  InvalidMessage,
  InvalidMessageHandler,
  MessageContext,
  Validate,
  ValidationResult,
} from '../consumer/consumer.types';
import { exitOnFatal } from '../consumer/fatal.handler';
import { createKafkaJsDriver } from '../drivers/kafkajs/kafkajs.driver';
import { FailureCode } from '../errors/failure.codes';
import { NonRetryableError } from '../errors/non-retryable.error';
import type { KafkaDriver } from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';
import type { ConsumedMessage } from '../port/message.types';
import { takeHandlerFailure } from './handler-error.interceptor';
import { SluiceKafkaContext } from './sluice-kafka.context';

export const SLUICE_KAFKA_TRANSPORT = Symbol('SLUICE_KAFKA_TRANSPORT');

/** The contract of one consumed topic. */
export interface TopicContract {
  validate?: Validate<unknown>;
  /** Validation failures go to the dead-letter topic unless this handles them (e.g. a `rejected` event). */
  onInvalid?: InvalidMessageHandler;
}

export type SluiceKafkaConsumerSettings = Pick<
  MessageModeOptions<unknown>,
  | 'fromBeginning'
  | 'deadLetter'
  | 'retry'
  | 'backpressure'
  | 'partitionsConsumedConcurrently'
  | 'session'
  | 'shutdownTimeoutMs'
>;

export interface SluiceKafkaTransportOptions {
  client: KafkaClientConfig;
  /** One consumer group per application. */
  groupId: string;
  /** Validation per topic; topics not listed are handed to their handler as decoded JSON. */
  contracts?: Record<string, TopicContract>;
  consumer?: SluiceKafkaConsumerSettings;
  /** Defaults to logging and process.exit(1): a service that stopped consuming must not stay up. */
  onFatal?: (error: Error) => unknown;
}

export type SluiceKafkaStatus = 'connected' | 'crashed' | 'disconnected';

export type SluiceKafkaEvents = {
  fatal: (error: Error) => void;
};

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

function passThrough(plain: unknown): ValidationResult<unknown> {
  return { ok: true, value: plain };
}

/**
 * A Nest microservice transport over ConsumerRunner: every `@EventPattern('<topic>')` handler of
 * the application is served by one runner (one consumer group) subscribed to all those topics.
 * A handler gets the decoded, validated value and a SluiceKafkaContext; what it throws goes
 * through the runner's retry and dead-letter policy.
 */
export class SluiceKafkaTransport
  extends Server<SluiceKafkaEvents, SluiceKafkaStatus>
  implements CustomTransportStrategy
{
  override transportId = SLUICE_KAFKA_TRANSPORT;
  private readonly kafka: KafkaDriver;
  private readonly kafkaLogger: KafkaLogger;
  private readonly fatalListeners: Array<(error: Error) => void> = [];
  private runner?: ConsumerRunner<unknown>;
  private warnedAboutFilteredErrors = false;

  constructor(private readonly options: SluiceKafkaTransportOptions) {
    super();
    this.kafka = createKafkaJsDriver(options.client);
    this.kafkaLogger = this.kafka.logger;
  }

  /** Called by Nest: starts consuming; the callback gets the error if the consumer could not start. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
    } catch (error) {
      callback(error);
      return;
    }
    callback();
  }

  /** Called by Nest on shutdown (before producers and the database close): drains and commits in-flight work. */
  async close(): Promise<void> {
    await this.runner?.stop();
    this._status$.next('disconnected');
  }

  on<EventKey extends keyof SluiceKafkaEvents = keyof SluiceKafkaEvents, EventCallback extends SluiceKafkaEvents[EventKey] = SluiceKafkaEvents[EventKey]>(
    event: EventKey,
    callback: EventCallback,
  ): void {
    if (event !== 'fatal') throw new Error(`SluiceKafkaTransport has no "${String(event)}" event (only "fatal")`);
    this.fatalListeners.push(callback as unknown as (error: Error) => void);
  }

  /** The ConsumerRunner (stats, manual pause/resume). */
  unwrap<T>(): T {
    if (!this.runner) {
      throw new Error('SluiceKafkaTransport is not listening: start the microservice before unwrapping it');
    }
    return this.runner as T;
  }

  /** Readiness input for the health module. */
  consumerHealth(): ConsumerHealth {
    return this.runner?.health() ?? { ready: false, reason: 'the kafka transport is not listening' };
  }

  private async start(): Promise<void> {
    const topics = this.subscribedTopics();
    const contracts = this.options.contracts ?? {};
    this.runner = new ConsumerRunner<unknown>({
      ...this.options.consumer,
      kafka: this.kafka,
      groupId: this.options.groupId,
      topics,
      validate: (plain: unknown, message: ConsumedMessage) => (contracts[message.topic]?.validate ?? passThrough)(plain, message),
      onInvalid: (invalid: InvalidMessage) => this.onInvalid(contracts[invalid.context.topic], invalid),
      onFatal: (error: Error) => this.onFatal(error),
      handle: (value: unknown, context: MessageContext) => this.dispatch(value, context),
    });
    await this.runner.start();
    this._status$.next('connected');
  }

  private subscribedTopics(): string[] {
    const topics: string[] = [];
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) {
        throw new Error(`@MessagePattern('${pattern}') is not supported by SluiceKafkaTransport: use @EventPattern`);
      }
      if (!TOPIC_NAME.test(pattern)) throw new Error(`@EventPattern('${pattern}') is not a topic name`);
      topics.push(pattern);
    }
    if (topics.length === 0) throw new Error('SluiceKafkaTransport found no @EventPattern handlers to consume for');
    return topics;
  }

  private onInvalid(contract: TopicContract | undefined, invalid: InvalidMessage): unknown {
    if (contract?.onInvalid) return contract.onInvalid(invalid);
    const reasons = invalid.errors.map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message));
    throw new NonRetryableError(FailureCode.ValidationFailed, reasons.join('; '));
  }

  private onFatal(error: Error): unknown {
    this._status$.next('crashed');
    for (const listener of this.fatalListeners) listener(error);
    return (this.options.onFatal ?? exitOnFatal(this.kafkaLogger))(error);
  }

  private dispatch(value: unknown, message: MessageContext): Promise<void> {
    const handler = this.getHandlerByPattern(message.topic);
    if (!handler) {
      return Promise.reject(new NonRetryableError('NO_HANDLER', `no @EventPattern handler for ${message.topic}`));
    }
    const context = new SluiceKafkaContext(message);
    return new Promise<void>((resolve, reject) => {
      this.onProcessingStartHook(this.transportId, context, async () => {
        try {
          await this.invoke(handler, value, context);
          resolve();
        } catch (error) {
          reject(error);
        } finally {
          this.onProcessingEndHook?.(this.transportId, context);
        }
      });
    });
  }

  /** Handlers may return a value, a promise or an observable (several handlers per topic are forked). */
  private async invoke(handler: MessageHandler, value: unknown, context: SluiceKafkaContext): Promise<void> {
    try {
      const result: unknown = await handler(value, context);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } catch (filtered) {
      const original = takeHandlerFailure(context);
      if (original) throw original.error;
      this.warnFilteredErrorOnce();
      throw filtered;
    }
  }

  private warnFilteredErrorOnce(): void {
    if (this.warnedAboutFilteredErrors) return;
    this.warnedAboutFilteredErrors = true;
    this.kafkaLogger.warn(
      { groupId: this.options.groupId },
      'a handler error reached the kafka transport through Nest\'s exception filter only, so it counts as unexpected: ' +
        'import SluiceKafkaModule (it registers SluiceKafkaErrorInterceptor) and connect a hybrid microservice with { inheritAppConfig: true }',
    );
  }
}
