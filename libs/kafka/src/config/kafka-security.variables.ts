import { readFileSync } from 'node:fs';
import type { KafkaClientConfig } from './kafka-client.config';
import type { KafkaSaslSettings, KafkaSecuritySettings, KafkaTlsSettings, SaslMechanism } from './kafka-security';
import { oauthTokenSource, type TokenOrigin, type TokenSourceOptions } from './oauth-token.source';

/**
 * The security variables as a service's config has parsed them (each one validated on its own);
 * SluiceConfig declares and documents them. What only holds between variables is checked here.
 */
export interface KafkaSecurityVariables {
  KAFKA_TLS: boolean;
  KAFKA_TLS_CA_FILE?: string;
  KAFKA_TLS_CERT_FILE?: string;
  KAFKA_TLS_KEY_FILE?: string;
  KAFKA_TLS_KEY_PASSWORD?: string;
  KAFKA_TLS_SERVER_NAME?: string;
  KAFKA_TLS_CHECK_HOSTNAME: boolean;
  KAFKA_SASL_MECHANISM?: SaslMechanism;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_SASL_OAUTHBEARER_TOKEN_FILE?: string;
  KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND?: string;
  KAFKA_SASL_OAUTHBEARER_REFRESH_MS: number;
}

/** Everything a client of the cluster reads from the environment (a service's config, or a tool's). */
export interface KafkaConnectionVariables extends KafkaSecurityVariables {
  KAFKA_BROKERS: readonly string[];
  KAFKA_CLIENT_ID: string;
  KAFKA_DRIVER: NonNullable<KafkaClientConfig['driver']>;
}

/**
 * The client config of `variables`, with `options` for what the environment does not say (the
 * logger; a tool's own client id). Reads the TLS files: call it once per process and share the result.
 */
export function kafkaClientConfigOf(
  variables: KafkaConnectionVariables,
  options: Omit<KafkaClientConfig, 'brokers' | 'driver' | 'security' | 'clientId'> & { clientId?: string } = {},
  io: KafkaSecurityIo = nodeIo,
): KafkaClientConfig {
  return {
    ...options,
    brokers: [...variables.KAFKA_BROKERS],
    driver: variables.KAFKA_DRIVER,
    clientId: options.clientId ?? variables.KAFKA_CLIENT_ID,
    security: kafkaSecurityOf(variables, io),
  };
}

/** The security variables disagree with each other, or a file they name cannot be used; `problems` names each variable. */
export class KafkaSecurityConfigError extends Error {
  override readonly name = 'KafkaSecurityConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid Kafka security settings: ${problems.join('; ')}`);
  }
}

/** The I/O the mapping needs, apart so the mapping is tested without files or processes. */
export interface KafkaSecurityIo {
  readFile(path: string): Buffer;
  tokenSource(origin: TokenOrigin, options: TokenSourceOptions): () => Promise<string>;
}

const nodeIo: KafkaSecurityIo = { readFile: (path) => readFileSync(path), tokenSource: oauthTokenSource };

type FileVariable = 'KAFKA_TLS_CA_FILE' | 'KAFKA_TLS_CERT_FILE' | 'KAFKA_TLS_KEY_FILE';

// What a PEM file of each kind starts a block with: a DER file or the wrong file fails here, at start, naming the variable.
const PEM_LABEL: Record<FileVariable, RegExp> = {
  KAFKA_TLS_CA_FILE: /-----BEGIN CERTIFICATE-----/,
  KAFKA_TLS_CERT_FILE: /-----BEGIN CERTIFICATE-----/,
  KAFKA_TLS_KEY_FILE: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/,
};

const TLS_DETAILS = ['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE', 'KAFKA_TLS_KEY_PASSWORD', 'KAFKA_TLS_SERVER_NAME'] as const;
const PASSWORD_VARIABLES = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const;
const TOKEN_VARIABLES = ['KAFKA_SASL_OAUTHBEARER_TOKEN_FILE', 'KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND'] as const;

/**
 * The client security settings of `variables`, with the files read (once: a rotated certificate needs
 * a restart) and the OAUTHBEARER token source made. Throws a KafkaSecurityConfigError naming every
 * wrong variable at once. Secrets appear in no message.
 */
export function kafkaSecurityOf(variables: KafkaSecurityVariables, io: KafkaSecurityIo = nodeIo): KafkaSecuritySettings {
  const problems: string[] = [];
  const tls = tlsOf(variables, io, problems);
  const sasl = saslOf(variables, io, problems);
  if (problems.length > 0) throw new KafkaSecurityConfigError(problems);
  return { ...(tls && { tls }), ...(sasl && { sasl }) };
}

function tlsOf(variables: KafkaSecurityVariables, io: KafkaSecurityIo, problems: string[]): KafkaTlsSettings | undefined {
  if (!variables.KAFKA_TLS) {
    // Set and ignored would mean a plaintext connection the operator believes is encrypted.
    const stray = TLS_DETAILS.filter((name) => variables[name] !== undefined);
    if (stray.length > 0) problems.push(`${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set but KAFKA_TLS is not true`);
    return undefined;
  }
  const hasCert = variables.KAFKA_TLS_CERT_FILE !== undefined;
  const hasKey = variables.KAFKA_TLS_KEY_FILE !== undefined;
  if (hasCert !== hasKey) problems.push('KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together: a client certificate needs its key');
  if (variables.KAFKA_TLS_KEY_PASSWORD !== undefined && !hasKey) problems.push('KAFKA_TLS_KEY_PASSWORD is set but KAFKA_TLS_KEY_FILE is not');
  const read = (name: FileVariable): Buffer | undefined => readPem(name, variables[name], io, problems);
  const settings: KafkaTlsSettings = { checkHostname: variables.KAFKA_TLS_CHECK_HOSTNAME };
  const ca = read('KAFKA_TLS_CA_FILE');
  const cert = read('KAFKA_TLS_CERT_FILE');
  const key = read('KAFKA_TLS_KEY_FILE');
  if (ca) settings.ca = ca;
  if (cert) settings.cert = cert;
  if (key) settings.key = key;
  if (variables.KAFKA_TLS_KEY_PASSWORD !== undefined) settings.keyPassphrase = variables.KAFKA_TLS_KEY_PASSWORD;
  if (variables.KAFKA_TLS_SERVER_NAME !== undefined) settings.serverName = variables.KAFKA_TLS_SERVER_NAME;
  return settings;
}

function readPem(name: FileVariable, path: string | undefined, io: KafkaSecurityIo, problems: string[]): Buffer | undefined {
  if (path === undefined) return undefined;
  let content: Buffer;
  try {
    content = io.readFile(path);
  } catch (error) {
    problems.push(`${name} names a file that cannot be read (${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return undefined;
  }
  // A key file's content is never shown, only what it should have held.
  if (!PEM_LABEL[name].test(content.toString('latin1')))
    problems.push(`${name} (${path}) holds no PEM ${name === 'KAFKA_TLS_KEY_FILE' ? 'private key' : 'certificate'}`);
  return content;
}

function saslOf(variables: KafkaSecurityVariables, io: KafkaSecurityIo, problems: string[]): KafkaSaslSettings | undefined {
  const mechanism = variables.KAFKA_SASL_MECHANISM;
  const setOf = (names: readonly (keyof KafkaSecurityVariables)[]): string[] => names.filter((name) => variables[name] !== undefined);
  const passwordVariables = setOf(PASSWORD_VARIABLES);
  const tokenVariables = setOf(TOKEN_VARIABLES);
  if (mechanism === undefined) {
    const stray = [...passwordVariables, ...tokenVariables];
    if (stray.length > 0) problems.push(`${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set but KAFKA_SASL_MECHANISM is not`);
    return undefined;
  }
  if (mechanism === 'oauthbearer') {
    if (passwordVariables.length > 0)
      problems.push(
        `${passwordVariables.join(', ')} ${passwordVariables.length === 1 ? 'is' : 'are'} not used by oauthbearer (its token comes from a file or a command)`,
      );
    if (tokenVariables.length !== 1) {
      problems.push('KAFKA_SASL_MECHANISM=oauthbearer needs exactly one of KAFKA_SASL_OAUTHBEARER_TOKEN_FILE and KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND');
      return undefined;
    }
    const file = variables.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE;
    const origin: TokenOrigin = file !== undefined ? { file } : { command: variables.KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND! };
    return { mechanism, token: io.tokenSource(origin, { refreshMs: variables.KAFKA_SASL_OAUTHBEARER_REFRESH_MS }) };
  }
  if (tokenVariables.length > 0)
    problems.push(`${tokenVariables.join(', ')} ${tokenVariables.length === 1 ? 'is' : 'are'} used only with KAFKA_SASL_MECHANISM=oauthbearer`);
  const missing = PASSWORD_VARIABLES.filter((name) => variables[name] === undefined);
  if (missing.length > 0) {
    problems.push(`KAFKA_SASL_MECHANISM=${mechanism} needs ${missing.join(' and ')}`);
    return undefined;
  }
  return { mechanism, username: variables.KAFKA_SASL_USERNAME!, password: variables.KAFKA_SASL_PASSWORD! };
}
