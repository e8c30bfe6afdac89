import { KafkaConnectionConfig, loadConfig } from '@sluice/config';
import { kafkaSecurityOf, toKafkaJsSecurity, type KafkaSecuritySettings } from '@sluice/kafka';
import type { KafkaConfig } from 'kafkajs';

let fromProcessEnv: KafkaSecuritySettings | undefined;

/**
 * TLS and SASL for a tool's own clients, from the variables the services read (KAFKA_TLS_*,
 * KAFKA_SASL_*; docs/configuration.md), so the stack, the CLI, the benchmarks and the e2e harness
 * reach the same cluster as the services they drive. Read once per process: the token source is
 * shared by every client, and the certificate files are read once.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSecuritySettings {
  if (env !== process.env) return kafkaSecurityOf(loadConfig(KafkaConnectionConfig, env));
  fromProcessEnv ??= kafkaSecurityOf(loadConfig(KafkaConnectionConfig, env));
  return fromProcessEnv;
}

/** kafkajs' `ssl` and `sasl` options for a tool that uses kafkajs directly. */
export function kafkaJsSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return toKafkaJsSecurity(kafkaSecurityFromEnv(env));
}
