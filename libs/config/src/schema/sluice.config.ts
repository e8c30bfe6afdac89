import { DEVELOPMENT_INTERNAL_SIGNING_KEY } from '@sluice/contracts/headers/internal-signature';
import { EnvEnum, EnvInt, EnvList, EnvString, EnvUrl } from './env-var.decorators';
import { KAFKA_ID, KAFKA_ID_RULE, KafkaConnectionConfig } from './kafka-connection.config';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SLUICE_ENVS = ['development', 'production'] as const;
export type SluiceEnv = (typeof SLUICE_ENVS)[number];

/**
 * What every Sluice service reads from its environment. A service extends it with its own variables and
 * overrides defaults by re-declaring the field (`override PORT = 3001`); the initialiser is the default,
 * so the default lives in one place and `describeConfig` reports it.
 */
export class SluiceConfig extends KafkaConnectionConfig {
  @EnvString({
    description: 'Kafka consumer group id. Each consuming service has its own default; override it to run a separate copy.',
    pattern: KAFKA_ID,
    rule: KAFKA_ID_RULE,
    optional: true,
  })
  KAFKA_GROUP_ID?: string;

  @EnvList({
    description:
      "Which of the service's consumer groups this process runs: `main` for its own group, else a group's suffix (ingestion: `bulk`; router: `urgent`). Unset: all of them. Lets bulk work run in processes of its own, at a lower CPU priority (`NICENESS`), so it never takes the CPU urgent work needs.",
    itemPattern: /^[A-Za-z0-9_-]{1,64}$/,
    itemRule: 'group names (main, or a suffix such as bulk)',
    optional: true,
  })
  KAFKA_CONSUMER_GROUPS?: string[];

  @EnvInt({
    description:
      "How long the broker waits to hear from a consumer before it hands the consumer's partitions to the rest of its group (milliseconds): how long a crashed or killed copy's partitions stand still. A copy that stops cleanly leaves at once. The broker bounds it (group.min.session.timeout.ms, 6000 by default).",
    min: 6_000,
    max: 300_000,
  })
  KAFKA_SESSION_TIMEOUT_MS = 10_000;

  @EnvInt({
    description: 'How often a consumer tells the broker it is alive (milliseconds); at most a third of KAFKA_SESSION_TIMEOUT_MS.',
    min: 100,
    max: 100_000,
  })
  KAFKA_HEARTBEAT_INTERVAL_MS = 1_000;

  @EnvInt({
    description:
      'CPU niceness the process gives itself at start (0 to 19, as `nice`): higher lets other processes on the machine go first. For processes that do only bulk work.',
    min: 0,
    max: 19,
  })
  NICENESS = 0;

  @EnvInt({
    description:
      "Share of the wall clock (percent) a process's deferrable work may take while urgent work flows: ingestion's bulk intake and job uploads, the router's sluice.accepted.v1, the batch-aggregator's intake. While sluice.accepted.urgent.v1 grew in the last BULK_VALVE_HOLD_MS, their slices run one at a time and each is followed by a rest in proportion to it; otherwise they run flat out. 100 turns the valve off.",
    min: 1,
    max: 100,
  })
  BULK_VALVE_DUTY_PERCENT = 20;

  @EnvInt({
    description: 'How long after urgent traffic was last seen (sluice.accepted.urgent.v1 grew) deferrable work keeps giving way (milliseconds).',
    min: 0,
    max: 600_000,
  })
  BULK_VALVE_HOLD_MS = 3_000;

  @EnvInt({
    description:
      'Least time between two reads of the urgent signal (the high-water marks of sluice.accepted.urgent.v1, one ListOffsets request), milliseconds. Read only while deferrable work runs.',
    min: 50,
    max: 60_000,
  })
  BULK_VALVE_PROBE_MS = 500;

  @EnvUrl({
    description: 'PostgreSQL connection URL of the ledger. Its password is never logged.',
    protocols: ['postgres:', 'postgresql:'],
  })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/sluice';

  @EnvEnum({ description: 'Minimum level of the JSON log lines written to stdout.', values: LOG_LEVELS })
  LOG_LEVEL: LogLevel = 'info';

  @EnvEnum({
    description:
      'production refuses to boot with the development defaults that only a local stack may use (the development SLUICE_INTERNAL_SIGNING_KEY, the result-notifier’s development webhook key) and warns about open defaults (INGESTION_UNCONFIGURED_TENANTS=open); development warns about the development keys.',
    values: SLUICE_ENVS,
  })
  SLUICE_ENV: SluiceEnv = 'development';

  @EnvString({
    description:
      "Key Sluice's services sign the messages they produce with (an HMAC header) and check the messages of its own topics against: accepted requests, lane messages, results, and the events and results ingestion relays to event streams. A message on one of them that is unsigned or signed with another key (not this one nor one of SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS) is dead-lettered (SIGNATURE_MISSING, SIGNATURE_INVALID; the relay drops it), never booked, and counted in sluice_unauthenticated_messages_total. The same value in every service and in the CLI; at least 32 characters. Defaults to a development key: a warning at boot, and a refusal to boot when SLUICE_ENV is production.",
    pattern: /^[\x21-\x7e]{32,256}$/,
    rule: 'must be 32 to 256 printable ASCII characters without spaces',
    secret: true,
  })
  SLUICE_INTERNAL_SIGNING_KEY = DEVELOPMENT_INTERNAL_SIGNING_KEY;

  @EnvList({
    description:
      "Keys (comma-separated) that messages on Sluice's own topics are still accepted with, never signed with: the overlap of a rotation of SLUICE_INTERNAL_SIGNING_KEY, the same in every service. First the new key is listed here while the old one still signs, then the new key becomes SLUICE_INTERNAL_SIGNING_KEY and the old one is listed here until no message it signed is left to read (see docs/security.md, Rotating the signing key). Each checked message is tried with SLUICE_INTERNAL_SIGNING_KEY first, so only a message signed with a listed key costs more HMACs. With SLUICE_ENV=production the development key is refused here too.",
    // No comma, the list's separator: a current key with one cannot be listed here (keys from `openssl rand -base64` have none).
    itemPattern: /^[\x21-\x7e]{32,256}$/,
    itemRule: 'keys of 32 to 256 printable ASCII characters without spaces or commas',
    optional: true,
    secret: true,
  })
  SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS?: string[];

  @EnvUrl({
    description:
      "Base URL of an OpenTelemetry collector's OTLP/HTTP receiver (e.g. http://127.0.0.1:4318): the service exports its spans to `<url>/v1/traces` as OTLP JSON, one trace per request across every service (the traceparent header carries it from message to message). Unset: tracing is off and no OpenTelemetry SDK is loaded. The SDK's own OTEL_BSP_* variables (batching of the export) and OTEL_TRACES_SAMPLER apply.",
    protocols: ['http:', 'https:'],
    optional: true,
  })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @EnvInt({ description: 'HTTP port for the API, /health and /metrics.', min: 1, max: 65535 })
  PORT = 3000;

  @EnvInt({
    description:
      'How long a graceful shutdown (stop consuming, finish in-flight work, commit, close producer and database) may take before the process is forced to exit non-zero.',
    min: 100,
    max: 600_000,
  })
  SHUTDOWN_TIMEOUT_MS = 10_000;
}
