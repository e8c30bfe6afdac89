import type { SASLOptions } from '@platformatic/kafka';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { KafkaClientConfig } from '../../config/kafka-client.config';
import type { KafkaSaslSettings, KafkaSecuritySettings } from '../../config/kafka-security';
import type { DriverRetrySettings } from '../../port/driver.port';
import { brokersHaveHostNames, toNodeTlsOptions } from '../tls.options';

/** What every @platformatic/kafka client of one cluster is built with. */
export interface PlatformaticBaseOptions {
  clientId: string;
  bootstrapBrokers: string[];
  connectTimeout?: number;
  timeout?: number;
  retries?: number;
  retryDelay?: number;
  autocreateTopics: false;
  tls?: TlsOptions;
  /** The SNI and certificate name: a fixed one, or (true) each broker's host. */
  tlsServerName?: string | boolean;
  sasl?: SASLOptions;
}

/** The connection options that make a connection secure: also given to connection pools made outside a client. */
export type PlatformaticSecurityOptions = Pick<PlatformaticBaseOptions, 'tls' | 'tlsServerName' | 'sasl'>;

export function toBaseOptions(config: KafkaClientConfig): PlatformaticBaseOptions {
  const options: PlatformaticBaseOptions = {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    ...toRetryOptions(config.retry),
    // Topics are provisioned declaratively; a typo must fail, not create a topic.
    autocreateTopics: false,
    ...toSecurityOptions(config.security, config.brokers),
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

function toSasl(sasl: KafkaSaslSettings): SASLOptions {
  switch (sasl.mechanism) {
    // Asked on every authentication, re-authentication included, so a refreshed token is picked up.
    case 'oauthbearer':
      return { mechanism: 'OAUTHBEARER', token: sasl.token };
    case 'plain':
      return { mechanism: 'PLAIN', username: sasl.username, password: sasl.password };
    case 'scram-sha-256':
      return { mechanism: 'SCRAM-SHA-256', username: sasl.username, password: sasl.password };
    case 'scram-sha-512':
      return { mechanism: 'SCRAM-SHA-512', username: sasl.username, password: sasl.password };
  }
}

/**
 * The library sends SNI only when told: a fixed server name, or each broker's host (true), which is
 * what managed clusters route by. Brokers given by address get none, as with kafkajs: SNI is for names.
 */
export function toSecurityOptions(security: KafkaSecuritySettings | undefined, brokers: readonly string[]): PlatformaticSecurityOptions {
  const options: PlatformaticSecurityOptions = {};
  if (security?.tls) {
    options.tls = toNodeTlsOptions(security.tls);
    if (security.tls.serverName !== undefined) options.tlsServerName = security.tls.serverName;
    else if (brokersHaveHostNames(brokers)) options.tlsServerName = true;
  }
  if (security?.sasl) options.sasl = toSasl(security.sasl);
  return options;
}
