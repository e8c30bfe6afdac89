import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSaslSettings, KafkaSecuritySettings } from '../../config/kafka-security';
import { toNodeTlsOptions } from '../tls.options';

function toKafkaJsSasl(sasl: KafkaSaslSettings): SASLOptions {
  switch (sasl.mechanism) {
    case 'oauthbearer': {
      const { token } = sasl;
      return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await token() }) };
    }
    case 'plain':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
}

/** kafkajs' `ssl` and `sasl` client options; kafkajs sends each broker's host name as SNI by itself. */
export function toKafkaJsSecurity(security: KafkaSecuritySettings | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security?.tls) options.ssl = toNodeTlsOptions(security.tls);
  if (security?.sasl) options.sasl = toKafkaJsSasl(security.sasl);
  return options;
}
