import { EnvInt } from '../schema/env-var.decorators';
import { SluiceConfig } from '../schema/sluice.config';
import { configTableMarkdown, describeConfig } from './config.describer';

class NotifierConfig extends SluiceConfig {
  override PORT = 3004;
  override KAFKA_GROUP_ID = 'sluice-result-notifier';

  @EnvInt({ description: 'Webhook attempts | before giving up.', min: 1, max: 20 })
  WEBHOOK_MAX_ATTEMPTS!: number;
}

describe('describeConfig', () => {
  it('lists the base variables with their defaults, in declaration order', () => {
    const rows = describeConfig(SluiceConfig);
    expect(rows.map((row) => row.name)).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_CLIENT_ID',
      'KAFKA_DRIVER',
      'KAFKA_TLS',
      'KAFKA_TLS_CA_FILE',
      'KAFKA_TLS_CERT_FILE',
      'KAFKA_TLS_KEY_FILE',
      'KAFKA_TLS_KEY_PASSWORD',
      'KAFKA_TLS_SERVER_NAME',
      'KAFKA_TLS_CHECK_HOSTNAME',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE',
      'KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND',
      'KAFKA_SASL_OAUTHBEARER_REFRESH_MS',
      'KAFKA_GROUP_ID',
      'KAFKA_CONSUMER_GROUPS',
      'KAFKA_SESSION_TIMEOUT_MS',
      'KAFKA_HEARTBEAT_INTERVAL_MS',
      'NICENESS',
      'BULK_VALVE_DUTY_PERCENT',
      'BULK_VALVE_HOLD_MS',
      'BULK_VALVE_PROBE_MS',
      'DATABASE_URL',
      'LOG_LEVEL',
      'SLUICE_ENV',
      'SLUICE_INTERNAL_SIGNING_KEY',
      'SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'PORT',
      'SHUTDOWN_TIMEOUT_MS',
    ]);
    expect(rows.find((row) => row.name === 'SLUICE_ENV')).toMatchObject({ default: 'development', required: false });
    expect(rows.find((row) => row.name === 'KAFKA_BROKERS')).toMatchObject({ default: '127.0.0.1:9092', required: false });
    expect(rows.find((row) => row.name === 'KAFKA_GROUP_ID')).toMatchObject({ default: null, required: false });
    expect(rows.find((row) => row.name === 'DATABASE_URL')).toMatchObject({ secret: true });
    expect(rows.find((row) => row.name === 'KAFKA_TLS')).toMatchObject({ default: 'false', required: false });
    expect(rows.filter((row) => row.secret).map((row) => row.name)).toEqual([
      'KAFKA_TLS_KEY_PASSWORD',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND',
      'DATABASE_URL',
      'SLUICE_INTERNAL_SIGNING_KEY',
      'SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS',
      // A URL: a password in it is redacted.
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ]);
    expect(rows.find((row) => row.name === 'SLUICE_INTERNAL_SIGNING_KEY')).toMatchObject({ secret: true, required: false });
    expect(rows.find((row) => row.name === 'SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS')).toMatchObject({ default: null, secret: true, required: false });
    for (const row of rows) expect(row.description).not.toBe('');
  });

  it("shows a subclass's overridden defaults and its own variables", () => {
    const rows = describeConfig(NotifierConfig);
    expect(rows.find((row) => row.name === 'PORT')?.default).toBe('3004');
    expect(rows.find((row) => row.name === 'KAFKA_GROUP_ID')?.default).toBe('sluice-result-notifier');
    expect(rows.at(-1)).toEqual({
      name: 'WEBHOOK_MAX_ATTEMPTS',
      default: null,
      required: true,
      secret: false,
      description: 'Webhook attempts | before giving up.',
      rule: 'must be an integer between 1 and 20',
    });
  });

  it('does not leak into the base class', () => {
    expect(describeConfig(SluiceConfig).map((row) => row.name)).not.toContain('WEBHOOK_MAX_ATTEMPTS');
  });
});

describe('configTableMarkdown', () => {
  it('renders one escaped row per variable', () => {
    const table = configTableMarkdown(describeConfig(NotifierConfig)).split('\n');
    expect(table[0]).toBe('| variable | default | meaning |');
    expect(table).toContain('| `PORT` | `3004` | HTTP port for the API, /health and /metrics. |');
    expect(table).toContain(
      '| `KAFKA_GROUP_ID` | `sluice-result-notifier` | Kafka consumer group id. Each consuming service has its own default; override it to run a separate copy. |',
    );
    expect(table).toContain('| `WEBHOOK_MAX_ATTEMPTS` | _required_ | Webhook attempts \\| before giving up. |');
  });
});
