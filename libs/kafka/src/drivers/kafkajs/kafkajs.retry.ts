import type { RetryOptions } from 'kafkajs';
import type { DriverRetrySettings } from '../../port/driver.port';

export function toKafkaJsRetry(settings: DriverRetrySettings | undefined): RetryOptions | undefined {
  if (!settings) return undefined;
  return {
    retries: settings.retries,
    initialRetryTime: settings.initialRetryTimeMs,
    maxRetryTime: settings.maxRetryTimeMs,
  };
}
