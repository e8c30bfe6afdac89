import { EnvInt, EnvString } from '../schema/env-var.decorators';
import { KafkaConnectionConfig } from '../schema/kafka-connection.config';
import { SluiceConfig } from '../schema/sluice.config';
import { ConfigValidationError, loadConfig } from './config.loader';

class WorkerConfig extends SluiceConfig {
  override PORT = 3002;

  @EnvInt({ description: 'Parallel provider calls.', min: 1, max: 64 })
  CONCURRENCY = 8;

  @EnvString({ description: 'Provider API key.', pattern: /^sk-/, rule: 'must start with sk-', secret: true })
  API_KEY!: string;
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('loadConfig', () => {
  it('applies the defaults to an empty environment', () => {
    const config = loadConfig(SluiceConfig, {});
    expect(config).toBeInstanceOf(SluiceConfig);
    expect(config).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_CLIENT_ID: 'sluice',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/sluice',
      LOG_LEVEL: 'info',
      PORT: 3000,
      SHUTDOWN_TIMEOUT_MS: 10000,
    });
    expect(config.KAFKA_GROUP_ID).toBeUndefined();
  });

  it('parses typed values from their strings', () => {
    const config = loadConfig(SluiceConfig, {
      KAFKA_BROKERS: ' kafka-1:9092, kafka-2:9093 ,',
      KAFKA_GROUP_ID: 'sluice-router-blue',
      LOG_LEVEL: 'debug',
      PORT: '8080',
      SHUTDOWN_TIMEOUT_MS: '2500',
    });
    expect(config.KAFKA_BROKERS).toEqual(['kafka-1:9092', 'kafka-2:9093']);
    expect(config.KAFKA_GROUP_ID).toBe('sluice-router-blue');
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.PORT).toBe(8080);
    expect(config.SHUTDOWN_TIMEOUT_MS).toBe(2500);
  });

  it('reads only declared variables', () => {
    const config = loadConfig(SluiceConfig, { HOME: '/root', PATH: '/bin' });
    expect(Object.keys(config)).not.toContain('HOME');
  });

  it('names the variable, the rule and the value it got', () => {
    expect(() => loadConfig(SluiceConfig, { PORT: 'abc' })).toThrow('Invalid environment: PORT must be an integer between 1 and 65535 (got "abc")');
  });

  it('reports every wrong variable at once', () => {
    const problems = problemsOf(() => loadConfig(SluiceConfig, { PORT: '70000', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'localhost', DATABASE_URL: 'mysql://db/x' }));
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT must be an integer between 1 and 65535 (got "70000")',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
        'KAFKA_BROKERS must be a comma-separated list of host:port pairs (got "localhost")',
        'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://db/x")',
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig(SluiceConfig, { PORT: '' }).PORT).toBe(3000);
  });

  it('lets a subclass override defaults and add variables', () => {
    const config = loadConfig(WorkerConfig, { API_KEY: 'sk-test' });
    expect(config.PORT).toBe(3002);
    expect(config.CONCURRENCY).toBe(8);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
  });

  it('fails a required variable that is not set', () => {
    expect(problemsOf(() => loadConfig(WorkerConfig, {}))).toEqual(['API_KEY is required (not set)']);
  });

  it('never repeats a secret in the error', () => {
    const problems = problemsOf(() => loadConfig(WorkerConfig, { API_KEY: 'pk-live-123', DATABASE_URL: 'mysql://u:hunter2@db/x' }));
    expect(problems.join('\n')).not.toMatch(/pk-live-123|hunter2/);
    expect(problems).toContain('API_KEY must start with sk- (got "[redacted]")');
    expect(problems).toContain('DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://u:***@db/x")');
  });

  it('reads the previous signing keys as a list, and never repeats them in the error', () => {
    const old = 'an-old-signing-key-of-at-least-thirty-two-chars';
    const older = 'an-older-signing-key-of-at-least-thirty-two-ch';
    expect(loadConfig(SluiceConfig, { SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS: ` ${old}, ${older} ` }).SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS).toEqual([
      old,
      older,
    ]);
    expect(loadConfig(SluiceConfig, {}).SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS).toBeUndefined();
    const problems = problemsOf(() => loadConfig(SluiceConfig, { SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS: `${old},too-short-old-key` }));
    expect(problems.join('\n')).not.toMatch(/an-old-signing-key|too-short-old-key/);
    expect(problems).toEqual([expect.stringMatching(/^SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS must be a comma-separated list of .* \(got "\[redacted\]"\)$/)]);
  });

  it('reads the Kafka security variables, true and false strictly', () => {
    const config = loadConfig(KafkaConnectionConfig, {
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: '/etc/kafka/ca.pem',
      KAFKA_TLS_CHECK_HOSTNAME: 'false',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'sluice',
      KAFKA_SASL_PASSWORD: ' s3cret ',
    });
    expect(config).toMatchObject({
      KAFKA_TLS: true,
      KAFKA_TLS_CA_FILE: '/etc/kafka/ca.pem',
      KAFKA_TLS_CHECK_HOSTNAME: false,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(loadConfig(KafkaConnectionConfig, {})).toMatchObject({
      KAFKA_TLS: false,
      KAFKA_TLS_CHECK_HOSTNAME: true,
      KAFKA_SASL_OAUTHBEARER_REFRESH_MS: 300_000,
    });
    expect(problemsOf(() => loadConfig(KafkaConnectionConfig, { KAFKA_TLS: 'yes', KAFKA_SASL_MECHANISM: 'gssapi' }))).toEqual([
      'KAFKA_TLS must be true or false (got "yes")',
      'KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512, oauthbearer (got "gssapi")',
    ]);
  });
});
