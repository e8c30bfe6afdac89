import { kafkaProbe, safeReason, summarize, type SummaryInput } from './dependency.summary';

const up = { up: true } as const;

function input(overrides: Partial<SummaryInput> = {}): SummaryInput {
  return { accepting: true, probes: { database: up, kafka: up }, downSince: new Map(), consumers: [], ...overrides };
}

describe('summarize', () => {
  it('is ok when every dependency answers and nothing waits', () => {
    expect(summarize(input({ consumers: [{ name: 'sluice-router', ready: true }] }))).toEqual({
      status: 'ok',
      dependencies: { database: { status: 'up' }, kafka: { status: 'up' } },
      waiting: [],
    });
  });

  it('is degraded with the dependency that is down, why, and since when', () => {
    const summary = summarize(
      input({
        probes: { database: { up: false, reason: 'the ledger database is unavailable: ECONNREFUSED' }, kafka: up },
        downSince: new Map([['database', new Date('2030-01-01T00:00:00Z')]]),
      }),
    );
    expect(summary).toEqual({
      status: 'degraded',
      dependencies: {
        database: { status: 'down', reason: 'the ledger database is unavailable: ECONNREFUSED', since: '2030-01-01T00:00:00.000Z' },
        kafka: { status: 'up' },
      },
      waiting: [],
    });
  });

  it('is degraded while a consumer still waits for a dependency that already answers the probe', () => {
    const outage = { dependency: 'the ledger database', reason: 'connection terminated', since: '2030-01-01T00:00:00.000Z', waiting: 2 };
    const summary = summarize(input({ consumers: [{ name: 'sluice-router', ready: true, outages: [outage] }] }));
    expect(summary.status).toBe('degraded');
    expect(summary.waiting).toEqual([{ consumer: 'sluice-router', ...outage }]);
  });

  it('says shutting_down while draining, whatever the dependencies', () => {
    expect(summarize(input({ accepting: false, probes: { database: { up: false, reason: 'x' }, kafka: up } })).status).toBe('shutting_down');
  });
});

describe('kafkaProbe', () => {
  it('is down naming each consumer that has not joined, and why', () => {
    expect(kafkaProbe([{ name: 'a', ready: true }])).toEqual({ up: true });
    expect(kafkaProbe([])).toEqual({ up: true });
    expect(
      kafkaProbe([
        { name: 'a', ready: false, reason: 'restarting after a crash: connection refused' },
        { name: 'b', ready: false },
      ]),
    ).toEqual({
      up: false,
      reason: 'a: restarting after a crash: connection refused; b: not ready',
    });
  });
});

describe('safeReason', () => {
  it('masks the password of any URL in a reason and keeps the rest', () => {
    expect(safeReason('cannot reach postgres://sluice:hunter2@db.internal:5432/sluice (ECONNREFUSED)')).toBe(
      'cannot reach postgres://sluice:***@db.internal:5432/sluice (ECONNREFUSED)',
    );
    expect(safeReason('database "sluice" is not currently accepting connections')).toBe('database "sluice" is not currently accepting connections');
  });

  it('bounds a long reason', () => {
    expect(safeReason('x'.repeat(2_000))).toHaveLength(501);
  });
});
