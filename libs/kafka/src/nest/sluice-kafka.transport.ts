import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { KafkaClientConfig } from '../config/kafka-client.config';
import type { BatchModeOptions, MessageModeOptions } from '../consumer/consumer-runner.options';
import { ConsumerRunner } from '../consumer/consumer.runner';
import type {
  ConsumerHealth,
  InboundMessage,
  InvalidMessage,
  InvalidMessageHandler,
  MessageContext,
  Validate,
  ValidationResult,
} from '../consumer/consumer.types';
import { exitOnFatal } from '../consumer/fatal.handler';
import { createKafkaDriver } from '../drivers/kafka.driver.factory';
import { FailureCode } from '../errors/failure.codes';
import { NonRetryableError } from '../errors/non-retryable.error';
import type { KafkaDriver } from '../port/driver.port';
import type { WorkValve } from '../valve/bulk.valve';
import type { KafkaLogger } from '../port/logger.port';
import type { ConsumedMessage } from '../port/message.types';
import { takeHandlerFailure } from './handler-error.interceptor';
import { SluiceKafkaBatchContext, SluiceKafkaContext } from './sluice-kafka.context';
import { type ConsumerGroupPlan, planConsumerGroups, selectConsumerGroups } from './sluice-kafka.patterns';

export const SLUICE_KAFKA_TRANSPORT = Symbol('SLUICE_KAFKA_TRANSPORT');

/** The contract of one consumed topic. */
export interface TopicContract {
  validate?: Validate<unknown>;
  /** Validation failures go to the dead-letter topic unless this handles them (e.g. a `rejected` event). */
  onInvalid?: InvalidMessageHandler;
}

export type SluiceKafkaConsumerSettings = Pick<
  MessageModeOptions<unknown>,
  'fromBeginning' | 'authentication' | 'deadLetter' | 'retry' | 'backpressure' | 'partitionsConsumedConcurrently' | 'session' | 'shutdownTimeoutMs'
>;

export interface SluiceKafkaTransportOptions {
  client: KafkaClientConfig;
  /** One consumer group per application. */
  groupId: string;
  /** Validation per topic; topics not listed are handed to their handler as decoded JSON. */
  contracts?: Record<string, TopicContract>;
  consumer?: SluiceKafkaConsumerSettings;
  /** Settings of the groups handlers name in their extras (`group`), over `consumer`. */
  groups?: Record<string, SluiceKafkaConsumerSettings>;
  /** Run only these groups (`main` for the service's own, else suffixes); all when absent. */
  onlyGroups?: readonly string[];
  /** What the groups of deferrable handlers (`deferrable: true`) ask before each slice; none: they run flat out. */
  valve?: WorkValve;
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
 * A Nest microservice transport over ConsumerRunner: the application's `@EventPattern('<topic>')`
 * handlers are served by one runner per consumer group: the service's group, and one more for each
 * `group` a handler names in its extras (see SluiceKafkaPatternOptions). A per-message handler gets
 * the decoded, validated value and a SluiceKafkaContext; a batch handler (`batch: true`) gets the
 * validated messages of one fetch of one partition and a SluiceKafkaBatchContext, and answers per
 * message. What a handler throws goes through the runner's retry and dead-letter policy.
 */
export class SluiceKafkaTransport extends Server<SluiceKafkaEvents, SluiceKafkaStatus> implements CustomTransportStrategy {
  override transportId = SLUICE_KAFKA_TRANSPORT;
  private readonly kafka: KafkaDriver;
  private readonly kafkaLogger: KafkaLogger;
  private readonly fatalListeners: Array<(error: Error) => void> = [];
  private readonly runners = new Map<string, ConsumerRunner<unknown>>();
  private warnedAboutFilteredErrors = false;

  constructor(private readonly options: SluiceKafkaTransportOptions) {
    super();
    this.kafka = createKafkaDriver(options.client);
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
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    this._status$.next('disconnected');
  }

  on<EventKey extends keyof SluiceKafkaEvents = keyof SluiceKafkaEvents, EventCallback extends SluiceKafkaEvents[EventKey] = SluiceKafkaEvents[EventKey]>(
    event: EventKey,
    callback: EventCallback,
  ): void {
    if (event !== 'fatal') throw new Error(`SluiceKafkaTransport has no "${String(event)}" event (only "fatal")`);
    this.fatalListeners.push(callback as unknown as (error: Error) => void);
  }

  /** The ConsumerRunner of the service's group, or of `<groupId>.<suffix>` (stats, manual pause/resume). */
  unwrap<T>(suffix?: string): T {
    const groupId = suffix === undefined ? this.options.groupId : `${this.options.groupId}.${suffix}`;
    const runner = this.runners.get(groupId);
    if (!runner) {
      throw new Error(`SluiceKafkaTransport has no running consumer group ${groupId}: start the microservice before unwrapping it`);
    }
    return runner as T;
  }

  /** The consumer groups this transport runs, by group id. */
  groupIds(): string[] {
    return [...this.runners.keys()];
  }

  /** Readiness input for the health module: ready when every group is. */
  consumerHealth(): ConsumerHealth {
    if (this.runners.size === 0) return { ready: false, reason: 'the kafka transport is not listening' };
    const outages = [...this.runners.values()].flatMap((runner) => runner.health().outages ?? []);
    const withOutages = (health: ConsumerHealth): ConsumerHealth => (outages.length > 0 ? { ...health, outages } : health);
    for (const [groupId, runner] of this.runners) {
      const health = runner.health();
      if (!health.ready) {
        return withOutages(
          this.runners.size === 1 ? { ready: false, reason: health.reason } : { ready: false, reason: `${groupId}: ${health.reason ?? 'not ready'}` },
        );
      }
    }
    return withOutages({ ready: true });
  }

  private async start(): Promise<void> {
    const plans = selectConsumerGroups(planConsumerGroups(this.options.groupId, this.handledPatterns()), this.options.onlyGroups);
    for (const plan of plans) this.runners.set(plan.groupId, this.runnerFor(plan));
    try {
      await Promise.all([...this.runners.values()].map((runner) => runner.start()));
    } catch (error) {
      await Promise.allSettled([...this.runners.values()].map((runner) => runner.stop()));
      throw error;
    }
    this._status$.next('connected');
  }

  private runnerFor(plan: ConsumerGroupPlan): ConsumerRunner<unknown> {
    const contracts = this.options.contracts ?? {};
    const settings = { ...this.options.consumer, ...(plan.suffix === undefined ? {} : this.options.groups?.[plan.suffix]) };
    const shared = {
      ...settings,
      kafka: this.kafka,
      groupId: plan.groupId,
      topics: plan.topics,
      validate: (plain: unknown, message: ConsumedMessage) => (contracts[message.topic]?.validate ?? passThrough)(plain, message),
      onInvalid: (invalid: InvalidMessage) => this.onInvalid(contracts[invalid.context.topic], invalid),
      onFatal: (error: Error) => this.onFatal(error),
      ...(plan.deferrable && this.options.valve !== undefined ? { valve: this.options.valve } : {}),
    };
    if (plan.batch) {
      const options: BatchModeOptions<unknown> = {
        ...shared,
        handleBatch: (messages) => this.dispatchBatch(messages),
        ...(plan.maxBatchSize === undefined ? {} : { maxBatchSize: plan.maxBatchSize }),
        ...(plan.maxBatchBytes === undefined ? {} : { maxBatchBytes: plan.maxBatchBytes }),
      };
      return new ConsumerRunner<unknown>(options);
    }
    const options: MessageModeOptions<unknown> = { ...shared, handle: (value: unknown, context: MessageContext) => this.dispatch(value, context) };
    return new ConsumerRunner<unknown>(options);
  }

  private handledPatterns(): Array<{ topic: string; extras: unknown }> {
    const handled: Array<{ topic: string; extras: unknown }> = [];
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) {
        throw new Error(`@MessagePattern('${pattern}') is not supported by SluiceKafkaTransport: use @EventPattern`);
      }
      if (!TOPIC_NAME.test(pattern)) throw new Error(`@EventPattern('${pattern}') is not a topic name`);
      handled.push({ topic: pattern, extras: handler.extras });
    }
    if (handled.length === 0) throw new Error('SluiceKafkaTransport found no @EventPattern handlers to consume for');
    return handled;
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

  private dispatch(value: unknown, message: MessageContext): Promise<unknown> {
    return this.run(message.topic, value, new SluiceKafkaContext(message));
  }

  /** One partition's messages to its topic's batch handler; what it returns is the outcome per message. */
  private dispatchBatch(messages: ReadonlyArray<InboundMessage<unknown>>): Promise<unknown> {
    const context = new SluiceKafkaBatchContext(messages.map((message) => message.context));
    return this.run(context.getTopic(), messages, context);
  }

  private run(topic: string, payload: unknown, context: SluiceKafkaContext | SluiceKafkaBatchContext): Promise<unknown> {
    const handler = this.getHandlerByPattern(topic);
    if (!handler) {
      return Promise.reject(new NonRetryableError('NO_HANDLER', `no @EventPattern handler for ${topic}`));
    }
    return new Promise<unknown>((resolve, reject) => {
      this.onProcessingStartHook(this.transportId, context, async () => {
        try {
          resolve(await this.invoke(handler, payload, context));
        } catch (error) {
          reject(error);
        } finally {
          this.onProcessingEndHook?.(this.transportId, context);
        }
      });
    });
  }

  /** Handlers may return a value, a promise or an observable (several handlers per topic are forked). */
  private async invoke(handler: MessageHandler, payload: unknown, context: SluiceKafkaContext | SluiceKafkaBatchContext): Promise<unknown> {
    try {
      const result: unknown = await handler(payload, context);
      return isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result;
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
      "a handler error reached the kafka transport through Nest's exception filter only, so it counts as unexpected: " +
        'import SluiceKafkaModule (it registers SluiceKafkaErrorInterceptor) and connect a hybrid microservice with { inheritAppConfig: true }',
    );
  }
}
