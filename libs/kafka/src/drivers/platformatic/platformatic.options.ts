import type { KafkaClientConfig } from '../../config/kafka-client.config';
import type { DriverRetrySettings } from '../../port/driver.port';

/** What every @platformatic/kafka client of one cluster is built with. */
export interface PlatformaticBaseOptions {
  clientId: string;
  bootstrapBrokers: string[];
  connectTimeout?: number;
  timeout?: number;
  retries?: number;
  retryDelay?: number;
  autocreateTopics: false;
}

export function toBaseOptions(config: KafkaClientConfig): PlatformaticBaseOptions {
  const options: PlatformaticBaseOptions = {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    ...toRetryOptions(config.retry),
    // Topics are provisioned declaratively; a typo must fail, not create a topic.
    autocreateTopics: false,
  };
  // Only what is set: the library takes an option given as undefined for a zero timeout.
  if (config.connectionTimeoutMs !== undefined) options.connectTimeout = config.connectionTimeoutMs;
  if (config.requestTimeoutMs !== undefined) options.timeout = config.requestTimeoutMs;
  return options;
}

/**
 * The library retries after a fixed delay, not kafkajs' growing one: the initial delay is kept, and
 * the number of retries, so a request is given up after about as many attempts.
 */
export function toRetryOptions(settings: DriverRetrySettings | undefined): Pick<PlatformaticBaseOptions, 'retries' | 'retryDelay'> {
  const options: Pick<PlatformaticBaseOptions, 'retries' | 'retryDelay'> = {};
  if (settings?.retries !== undefined) options.retries = settings.retries;
  if (settings?.initialRetryTimeMs !== undefined) options.retryDelay = settings.initialRetryTimeMs;
  return options;
}
