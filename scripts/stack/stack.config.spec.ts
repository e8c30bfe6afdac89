import { resolveStackConfig } from './stack.config';

describe('resolveStackConfig', () => {
  it('defaults to the team-wide addresses and a state dir in the repo', () => {
    const config = resolveStackConfig({}, '/repo');
    expect(config).toMatchObject({
      stateDir: '/repo/.sluice',
      kafkaBrokers: '127.0.0.1:9092',
      databaseUrl: undefined,
      localPostgresPort: 5432,
      embeddedPostgresPort: 5433,
      topicsFile: '/repo/deploy/kafka/topics.json',
      kafkaClasspathFile: '/repo/.kafka/cp.txt',
    });
  });

  it('takes overrides from the environment, resolving a relative state dir against the repo', () => {
    const config = resolveStackConfig(
      { SLUICE_STATE_DIR: 'tmp/state', KAFKA_BROKERS: '127.0.0.1:19092', DATABASE_URL: 'postgres://h/db', SLUICE_LOCAL_PG_PORT: '5999' },
      '/repo',
    );
    expect(config).toMatchObject({ stateDir: '/repo/tmp/state', kafkaBrokers: '127.0.0.1:19092', databaseUrl: 'postgres://h/db', localPostgresPort: 5999 });
  });

  it('names the variable when a port is not a port', () => {
    expect(() => resolveStackConfig({ SLUICE_EMBEDDED_PG_PORT: '70000' }, '/repo')).toThrow('SLUICE_EMBEDDED_PG_PORT');
  });
});
