import { BULK_NICENESS, EMULATOR, SERVICES, instanceId, instancePort, nodeArgsFor, roleEnv, serviceEnv } from './service.catalog';

const inputs = {
  kafkaBrokers: '127.0.0.1:9092',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/sluice',
  emulatorUrl: 'http://127.0.0.1:4010',
  port: 3001,
};

describe('serviceEnv', () => {
  it('gives an app its port, the broker, the ledger and the emulator as both providers', () => {
    expect(serviceEnv('router', inputs, {})).toEqual({
      PORT: '3001',
      KAFKA_BROKERS: '127.0.0.1:9092',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/sluice',
      OPENAI_BASE_URL: 'http://127.0.0.1:4010/v1',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:4010',
    });
  });

  it('keeps per-service variables of the parent out, and provider URLs the parent chose in', () => {
    const env = serviceEnv(
      'ingestion',
      { ...inputs, groupId: 'g-1', logLevel: 'debug' },
      {
        PATH: '/bin',
        PORT: '9999',
        KAFKA_GROUP_ID: 'everyone',
        KAFKA_CLIENT_ID: 'everyone',
        OPENAI_BASE_URL: 'https://api.openai.com/v1',
      },
    );
    expect(env).toMatchObject({ PATH: '/bin', PORT: '3001', KAFKA_GROUP_ID: 'g-1', LOG_LEVEL: 'debug', OPENAI_BASE_URL: 'https://api.openai.com/v1' });
    expect(env.KAFKA_CLIENT_ID).toBeUndefined();
  });

  it('gives the emulator its own port variable and a loopback address only', () => {
    expect(serviceEnv(EMULATOR, { ...inputs, port: 4010 }, { PORT: '1' })).toEqual({ EMULATOR_PORT: '4010', EMULATOR_HOST: '127.0.0.1' });
  });

  it('lists the five apps and the emulator on the agreed ports', () => {
    expect(SERVICES.map((s) => [s.name, s.defaultPort])).toEqual([
      ['ingestion', 3000],
      ['router', 3001],
      ['realtime-worker', 3002],
      ['batch-aggregator', 3003],
      ['result-notifier', 3004],
      ['provider-emulator', 4010],
    ]);
  });
});

describe('bulk work apart', () => {
  it('names and places the bulk process beside the copies', () => {
    const router = SERVICES[1]!;
    expect(instanceId({ name: 'router', copy: 1, role: 'bulk' })).toBe('router-bulk');
    expect(instanceId({ name: 'router', copy: 2 })).toBe('router-2');
    expect(instancePort(router, 1, 'bulk')).toBe(3051);
    expect(instancePort(router, 2)).toBe(3101);
  });

  it('gives urgent and bulk processes complementary consumer groups, and bulk ones a lower priority', () => {
    expect(roleEnv({ name: 'ingestion', copy: 1 }, true)).toEqual({ KAFKA_CONSUMER_GROUPS: 'main' });
    expect(roleEnv({ name: 'ingestion', copy: 1, role: 'bulk' }, true)).toEqual({ KAFKA_CONSUMER_GROUPS: 'bulk', NICENESS: String(BULK_NICENESS) });
    expect(roleEnv({ name: 'router', copy: 2 }, true)).toEqual({ KAFKA_CONSUMER_GROUPS: 'urgent' });
    expect(roleEnv({ name: 'router', copy: 1, role: 'bulk' }, true)).toEqual({ KAFKA_CONSUMER_GROUPS: 'main', NICENESS: String(BULK_NICENESS) });
    expect(roleEnv({ name: 'batch-aggregator', copy: 1 }, true)).toEqual({ NICENESS: String(BULK_NICENESS) });
    expect(roleEnv({ name: 'realtime-worker', copy: 1 }, true)).toEqual({});
  });

  it("sends the urgent ingestion copies' job uploads to the bulk process", () => {
    expect(roleEnv({ name: 'ingestion', copy: 2 }, true, 'http://127.0.0.1:3050')).toEqual({
      KAFKA_CONSUMER_GROUPS: 'main',
      INGESTION_JOBS_UPSTREAM: 'http://127.0.0.1:3050',
    });
    expect(roleEnv({ name: 'ingestion', copy: 1, role: 'bulk' }, true, 'http://127.0.0.1:3050')).not.toHaveProperty('INGESTION_JOBS_UPSTREAM');
    expect(roleEnv({ name: 'router', copy: 1 }, true, 'http://127.0.0.1:3051')).toEqual({ KAFKA_CONSUMER_GROUPS: 'urgent' });
  });

  it('changes nothing when the apps run their groups together', () => {
    expect(roleEnv({ name: 'router', copy: 1 }, false)).toEqual({});
    expect(roleEnv({ name: 'batch-aggregator', copy: 1 }, false)).toEqual({});
  });
});

describe('nodeArgsFor', () => {
  it("caps the batch-aggregator's heap by the requests its windows may keep waiting, and no other service's", () => {
    expect(nodeArgsFor('batch-aggregator', {})).toEqual(['--max-old-space-size=126', '--max-semi-space-size=8']);
    expect(nodeArgsFor('batch-aggregator', { BATCH_WINDOWS_MAX_WAITING: '400000' })).toEqual(['--max-old-space-size=309', '--max-semi-space-size=8']);
    expect(nodeArgsFor('batch-aggregator', { BATCH_WINDOWS_MAX_WAITING: 'lots' })).toEqual(['--max-old-space-size=126', '--max-semi-space-size=8']);
    expect(nodeArgsFor('router', { BATCH_WINDOWS_MAX_WAITING: '400000' })).toEqual([]);
    expect(nodeArgsFor(EMULATOR, {})).toEqual([]);
  });

  it("sets the semi-spaces of every other Sluice service by SLUICE_SEMI_SPACE_MIB, not the emulator's or the aggregator's", () => {
    expect(nodeArgsFor('ingestion', { SLUICE_SEMI_SPACE_MIB: '64' })).toEqual(['--max-semi-space-size=64']);
    expect(nodeArgsFor('router', { SLUICE_SEMI_SPACE_MIB: '0' })).toEqual([]);
    expect(nodeArgsFor('router', { SLUICE_SEMI_SPACE_MIB: 'big' })).toEqual([]);
    expect(nodeArgsFor(EMULATOR, { SLUICE_SEMI_SPACE_MIB: '64' })).toEqual([]);
    expect(nodeArgsFor('batch-aggregator', { SLUICE_SEMI_SPACE_MIB: '64' })).toEqual(['--max-old-space-size=126', '--max-semi-space-size=8']);
  });
});
