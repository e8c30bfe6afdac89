import { EnvBool, EnvEnum, EnvInt, EnvList, EnvString } from './env-var.decorators';

/** The Kafka client libraries @sluice/kafka runs on (its KAFKA_DRIVERS). */
export const KAFKA_DRIVER_NAMES = ['kafkajs', 'platformatic'] as const;
export type KafkaDriverSetting = (typeof KAFKA_DRIVER_NAMES)[number];

/** The SASL mechanisms @sluice/kafka speaks on both drivers (its SASL_MECHANISMS). */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
export type KafkaSaslMechanismSetting = (typeof KAFKA_SASL_MECHANISMS)[number];

// Kafka's own limit for client and group ids (the legal topic-name characters, 249 at most).
export const KAFKA_ID = /^[A-Za-z0-9._-]{1,249}$/;
export const KAFKA_ID_RULE = "must be 1 to 249 letters, digits, '.', '_' or '-'";

const PATH = /^\S(.*\S)?$/;
const PATH_RULE = 'must be a file path';
const ANY = /^.+$/s;

/**
 * How to reach and authenticate to the cluster: what every service reads, and all a tool (the CLI, a
 * benchmark) needs to talk to the same cluster. Whether the variables agree with each other (a
 * mechanism with its credentials) is checked where they are used, by @sluice/kafka's kafkaSecurityOf.
 */
export class KafkaConnectionConfig {
  @EnvList({
    description: 'Kafka bootstrap brokers, comma-separated host:port pairs.',
    itemPattern: /^[^\s:,]+:\d{1,5}$/,
    itemRule: 'host:port pairs',
  })
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  @EnvString({
    description: "Kafka client id, shown in the broker's logs and quotas.",
    pattern: KAFKA_ID,
    rule: KAFKA_ID_RULE,
  })
  KAFKA_CLIENT_ID = 'sluice';

  @EnvEnum({
    description:
      'The Kafka client library consumers and producers run on: `platformatic` (@platformatic/kafka: about half the CPU per message), or `kafkajs`, with the same semantics. Administration always uses kafkajs.',
    values: KAFKA_DRIVER_NAMES,
  })
  KAFKA_DRIVER: KafkaDriverSetting = 'platformatic';

  @EnvBool({
    description:
      "Connect to the brokers over TLS (a listener of type SSL or SASL_SSL). The brokers' certificates are verified against the public CAs Node trusts, or KAFKA_TLS_CA_FILE; the KAFKA_TLS_* variables below need it.",
  })
  KAFKA_TLS = false;

  @EnvString({
    description:
      "PEM file of the CA certificate(s) that issued the brokers' certificates, trusted instead of the public CAs: for a private or self-signed CA (Strimzi's cluster CA, an on-premises PKI).",
    pattern: PATH,
    rule: PATH_RULE,
    optional: true,
  })
  KAFKA_TLS_CA_FILE?: string;

  @EnvString({
    description:
      'PEM file of the client certificate, for brokers that authenticate clients by certificate (mutual TLS, `ssl.client.auth=required`). Needs KAFKA_TLS_KEY_FILE.',
    pattern: PATH,
    rule: PATH_RULE,
    optional: true,
  })
  KAFKA_TLS_CERT_FILE?: string;

  @EnvString({
    description: "PEM file of the client certificate's private key. Read once at start; never logged.",
    pattern: PATH,
    rule: PATH_RULE,
    optional: true,
  })
  KAFKA_TLS_KEY_FILE?: string;

  @EnvString({
    description: 'Passphrase of an encrypted KAFKA_TLS_KEY_FILE. Never logged.',
    pattern: ANY,
    rule: 'must not be empty',
    secret: true,
    optional: true,
  })
  KAFKA_TLS_KEY_PASSWORD?: string;

  @EnvString({
    description:
      "The name every broker's certificate must carry, also sent as SNI, instead of each broker's own host name: for brokers reached through an address their certificates do not name (a tunnel, a load balancer).",
    pattern: /^[A-Za-z0-9.*-]{1,253}$/,
    rule: 'must be a host name',
    optional: true,
  })
  KAFKA_TLS_SERVER_NAME?: string;

  @EnvBool({
    description:
      "false accepts a broker certificate issued by a trusted CA for another name (the chain is still verified). Only for clusters whose certificates do not name their brokers' addresses; prefer KAFKA_TLS_SERVER_NAME.",
  })
  KAFKA_TLS_CHECK_HOSTNAME = true;

  @EnvEnum({
    description:
      'SASL mechanism to authenticate with, unset for none: `plain` and `scram-sha-256`/`scram-sha-512` with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, `oauthbearer` with a token from KAFKA_SASL_OAUTHBEARER_TOKEN_FILE or _COMMAND. Use it with KAFKA_TLS: `plain` sends the password as it is.',
    values: KAFKA_SASL_MECHANISMS,
    optional: true,
  })
  KAFKA_SASL_MECHANISM?: KafkaSaslMechanismSetting;

  @EnvString({
    description: 'SASL user name (plain, scram-sha-256, scram-sha-512); an API key for Confluent Cloud.',
    pattern: ANY,
    rule: 'must not be empty',
    optional: true,
  })
  KAFKA_SASL_USERNAME?: string;

  @EnvString({
    description: 'SASL password (plain, scram-sha-256, scram-sha-512); an API secret for Confluent Cloud. Never logged.',
    pattern: ANY,
    rule: 'must not be empty',
    secret: true,
    optional: true,
  })
  KAFKA_SASL_PASSWORD?: string;

  @EnvString({
    description:
      'oauthbearer: a file holding the token (a JWT, or any bearer token the brokers accept), kept fresh by something else (a sidecar, a mounted service-account token). Read again as KAFKA_SASL_OAUTHBEARER_REFRESH_MS says.',
    pattern: PATH,
    rule: PATH_RULE,
    optional: true,
  })
  KAFKA_SASL_OAUTHBEARER_TOKEN_FILE?: string;

  @EnvString({
    description:
      'oauthbearer: a shell command that prints the token on stdout (e.g. a cloud CLI), run again as KAFKA_SASL_OAUTHBEARER_REFRESH_MS says. Its stderr is never shown. Never logged, as it may carry a client secret.',
    pattern: ANY,
    rule: 'must not be empty',
    secret: true,
    optional: true,
  })
  KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND?: string;

  @EnvInt({
    description:
      "oauthbearer: how long a token is reused for new connections and re-authentication before the file is read or the command run again (milliseconds). A JWT is fetched again 30 s before its `exp` in any case; the brokers' `connections.max.reauth.ms` decides how often connections re-authenticate.",
    min: 1_000,
    max: 86_400_000,
  })
  KAFKA_SASL_OAUTHBEARER_REFRESH_MS = 300_000;
}
