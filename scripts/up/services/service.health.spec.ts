import { healthText } from './service.health';

describe('healthText', () => {
  it('says ok, shutting down, or what is down and what waits', () => {
    expect(healthText({ status: 'ok', dependencies: { database: { status: 'up' } }, waiting: [] })).toBe('ok');
    expect(healthText({ status: 'shutting_down' })).toBe('shutting down');
    expect(
      healthText({
        status: 'degraded',
        dependencies: { database: { status: 'down', reason: 'refused' }, kafka: { status: 'up' } },
        waiting: [{ consumer: 'sluice-router', dependency: 'the ledger database', waiting: 3 }],
      }),
    ).toBe('degraded: database down, 3 waiting for the ledger database');
    expect(healthText({ status: 'degraded' })).toBe('degraded');
  });

  it('shows a dash for an answer that is not a Sluice health summary', () => {
    expect(healthText('Cannot GET /health')).toBe('-');
    expect(healthText(null)).toBe('-');
    expect(healthText({ statusCode: 404 })).toBe('-');
  });
});
