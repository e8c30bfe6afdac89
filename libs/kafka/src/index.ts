export type * from './port';
export * from './config/kafka-client.config';
export { createKafkaJsDriver } from './drivers/kafkajs/kafkajs.driver';
export { createKafkaDriver, DEFAULT_KAFKA_DRIVER, KAFKA_DRIVERS, type KafkaDriverName } from './drivers/kafka.driver.factory';
export * from './errors/retryable.error';
export * from './errors/non-retryable.error';
export * from './errors/failure.codes';
export { classifyError, type ErrorClass } from './errors/error.classification';
export { waitOutOutage, type OutageWait } from './errors/outage.wait';
export * from './consumer/consumer.types';
export type { DependencyOutage } from './consumer/outage.board';
export * from './consumer/consumer-runner.options';
export { ConsumerRunner } from './consumer/consumer.runner';
export { resolveRetryPolicy, retryDelayMs, type RetryBackoff, type RetryPolicy, DEFAULT_RETRY_POLICY } from './consumer/retry.policy';
export type { Watermarks } from './consumer/in-flight.gate';
export { exitOnFatal } from './consumer/fatal.handler';
export {
  DeadLetterHeader,
  DEFAULT_DEAD_LETTER_TOPIC,
  REPLAYED_FROM_HEADER,
  buildDeadLetterHeaders,
  replayHeaders,
  type DeadLetterFailure,
} from './dead-letter/dead-letter.headers';
export { DeadLetterPublishError } from './dead-letter/dead-letter.publisher';
export * from './dead-letter/dlq.entry';
export * from './producer/kafka.producer';
export * from './signing/message.signer';
export * from './signing/message.authentication';
export * from './producer/producer.message';
export * from './admin/kafka.admin';
export { readTopicToEnd } from './reader/topic.reader';
export * from './nest/sluice-kafka.transport';
export * from './nest/sluice-kafka.patterns';
export * from './nest/sluice-kafka.context';
export * from './nest/sluice-kafka.module';
export { BrokerTopics } from './nest/broker-topics';
export { SluiceKafkaErrorInterceptor } from './nest/handler-error.interceptor';
export { BulkValve, TopicWatermarks, type BulkValveEvents, type UrgentSignal, type WorkValve } from './valve/bulk.valve';
export { DEFAULT_VALVE_POLICY, type ValvePolicy } from './valve/valve.policy';
export * from './config/kafka-security';
export * from './config/kafka-security.variables';
export { KafkaSecurityError } from './errors/kafka-security.error';
export { toKafkaJsSecurity } from './drivers/kafkajs/kafkajs.security';
