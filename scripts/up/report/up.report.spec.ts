import { ServiceRecord } from '../services/service.state';
import { formatSluiceStatus, lastExitText } from './up.report';

const NOW = Date.parse('2030-03-01T12:00:00Z');

function record(overrides: Partial<ServiceRecord>): ServiceRecord {
  return {
    name: 'router',
    copy: 1,
    bulkApart: true,
    pid: 4242,
    port: 3001,
    logFile: '/repo/.sluice/logs/router.log',
    bundle: '/repo/dist/apps/router/main.js',
    bundleMtimeMs: 0,
    startedAt: '2030-03-01T11:00:00Z',
    ...overrides,
  };
}

describe('lastExitText', () => {
  it('names the code or signal, how long that run lasted and how long ago it ended', () => {
    expect(lastExitText(undefined, NOW)).toBe('-');
    expect(lastExitText({ code: 1, signal: null, at: '2030-03-01T11:57:00Z', uptimeMs: 2_140 }, NOW)).toBe('code 1 after 2.1 s, 3 min ago');
    expect(lastExitText({ code: null, signal: 'SIGKILL', at: '2030-03-01T11:59:52Z', uptimeMs: 40 * 60_000 }, NOW)).toBe('SIGKILL after 40 min, 8 s ago');
  });
});

describe('formatSluiceStatus', () => {
  const crashing = record({
    name: 'realtime-worker',
    copy: 2,
    pid: 5151,
    port: 3102,
    logFile: '/repo/.sluice/logs/realtime-worker-2.log',
    restarts: 7,
    lastExit: { code: 1, signal: null, at: '2030-03-01T11:59:58Z', uptimeMs: 900 },
    restartAt: '2030-03-01T12:00:28Z',
  });

  it('shows per process whether it runs or waits for its restart, its restarts and its last exit', () => {
    const text = formatSluiceStatus(
      {
        supervisor: { pid: 99, logFile: '/repo/.sluice/logs/supervisor.log' },
        services: [
          { record: record({}), running: true },
          { record: crashing, running: false },
        ],
      },
      '/repo',
      '/repo/.sluice',
      NOW,
    );
    expect(text.split('\n')).toEqual([
      'Sluice (state: .sluice)',
      '',
      '  service            url                    pid   state                  restarts  last exit                    log',
      '  router             http://127.0.0.1:3001  4242  running                0         -                            .sluice/logs/router.log',
      '  realtime-worker-2  http://127.0.0.1:3102  5151  down, restart in 28 s  7         code 1 after 0.9 s, 2 s ago  .sluice/logs/realtime-worker-2.log',
      '',
      '  Supervisor  pid 99: restarts a service that exits; log .sluice/logs/supervisor.log',
    ]);
  });

  it("adds each running process's health when it was asked for", () => {
    const text = formatSluiceStatus(
      {
        supervisor: { pid: 99, logFile: '/repo/.sluice/logs/supervisor.log' },
        services: [
          { record: record({}), running: true, health: 'degraded: database down, 2 waiting for the ledger database' },
          { record: crashing, running: false, health: '-' },
        ],
      },
      '/repo',
      '/repo/.sluice',
      NOW,
    );
    expect(text).toMatch(/router +http:\/\/127.0.0.1:3001 +4242 +running +degraded: database down, 2 waiting for the ledger database +0 +- /);
    expect(text).toMatch(/realtime-worker-2 +http:\/\/127.0.0.1:3102 +5151 +down, restart in 28 s +- +7 /);
    expect(text).toContain('(why: GET <url>/health)');
  });

  it('says that nothing restarts a process when no supervisor runs', () => {
    const text = formatSluiceStatus({ services: [{ record: crashing, running: false }] }, '/repo', '/repo/.sluice', NOW);
    expect(text).toMatch(/realtime-worker-2 +http:\/\/127.0.0.1:3102 +5151 +down +7 /);
    expect(text).toContain('Supervisor  not running: a service that exits stays down');
  });

  it('points to npm run up when nothing was started', () => {
    expect(formatSluiceStatus({ services: [] }, '/repo', '/repo/.sluice', NOW)).toContain('no services: npm run up starts them');
  });
});
