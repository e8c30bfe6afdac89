import type { SluiceConfig } from '@sluice/config';
import { kafkaClientConfigOf, type KafkaClientConfig, type KafkaLogger } from '@sluice/kafka';

// The producer's module and the consumer's transport both build a client from one config: the TLS
// files are read and the OAUTHBEARER token source made once, so the token is fetched once for both.
const clients = new WeakMap<SluiceConfig, KafkaClientConfig>();

/** The service's Kafka client config (brokers, driver, TLS, SASL), logging to `logger`. */
export function serviceKafkaClient(config: SluiceConfig, logger: KafkaLogger): KafkaClientConfig {
  let client = clients.get(config);
  if (client === undefined) {
    client = kafkaClientConfigOf(config);
    clients.set(config, client);
  }
  return { ...client, logger };
}
