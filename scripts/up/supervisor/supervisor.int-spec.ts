import { waitFor } from '@sluice/testing';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, stopProcess } from '../../stack/process/process.control';
import { REPO_ROOT, StackConfig, resolveStackConfig } from '../../stack/stack.config';
import { formatSluiceStatus } from '../report/up.report';
import { EMULATOR, processMarker } from '../services/service.catalog';
import { ServiceRecord, readServiceRecords, supervisorLogFile } from '../services/service.state';
import { bringSluiceDown } from '../sluice.down';
import { describeSluice } from '../sluice.status';
import { LaunchSpec } from './process.supervisor';
import { SupervisorClient, ensureSupervisor } from './supervisor.client';

const SPEC_DIR_PREFIX = 'sluice-supervisor-spec-';
const OWNER_FILE = 'owner.pid';

/**
 * A stand-in for a service bundle: down finds a service's process by `dist/apps/<name>/main.js` in its
 * command line, so the fake lives at that path under a directory of its own. It runs until signalled,
 * or exits with code 1 after FAKE_EXIT_AFTER_MS.
 */
const FAKE_SERVICE = `
console.log('fake service up (pid ' + process.pid + ')');
process.on('SIGTERM', () => process.exit(0));
const exitAfterMs = Number(process.env.FAKE_EXIT_AFTER_MS);
if (exitAfterMs > 0) setTimeout(() => { console.error('fake service gives up'); process.exit(1); }, exitAfterMs);
else setInterval(() => undefined, 60_000);
`;

/** Pids of live processes whose command line names the file: what would be left running. */
function processesRunning(file: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^[0-9]+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(file);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * The supervisor and its fake services are detached by design, so a test process killed mid-run
 * would leave a supervisor restarting a crashing fake for ever. Each run therefore brings down the
 * state dirs of earlier runs whose owning process is gone.
 */
async function reclaimAbandonedRuns(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((entry) => entry.startsWith(SPEC_DIR_PREFIX))) {
    const dir = join(tmpdir(), name);
    const owner = Number(existsSync(join(dir, OWNER_FILE)) ? readFileSync(join(dir, OWNER_FILE), 'utf8') : NaN);
    if (Number.isInteger(owner) && isRunning(owner)) continue;
    await bringSluiceDown(resolveStackConfig({ SLUICE_STATE_DIR: join(dir, 'state') }, REPO_ROOT));
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the supervisor npm run up leaves running (a real process, fake services)', () => {
  let root: string;
  let config: StackConfig;
  let fakeBundle: string;
  let client: SupervisorClient;

  const recordOf = (copy: number): ServiceRecord | undefined => readServiceRecords(config.stateDir, EMULATOR).find((record) => (record.copy ?? 1) === copy);
  const supervisorLog = (): string => readFileSync(supervisorLogFile(config.stateDir), 'utf8');

  function launchSpec(copy: number, env: NodeJS.ProcessEnv = {}): LaunchSpec {
    return {
      command: process.execPath,
      args: [fakeBundle],
      cwd: root,
      env: { ...process.env, ...env },
      record: {
        name: EMULATOR,
        copy,
        bulkApart: true,
        port: 40_000 + copy,
        logFile: join(config.stateDir, 'logs', `fake-${copy}.log`),
        bundle: fakeBundle,
        bundleMtimeMs: 0,
      },
    };
  }

  beforeAll(async () => {
    await reclaimAbandonedRuns();
    root = mkdtempSync(join(tmpdir(), SPEC_DIR_PREFIX));
    writeFileSync(join(root, OWNER_FILE), String(process.pid));
    fakeBundle = join(root, processMarker(EMULATOR));
    mkdirSync(join(fakeBundle, '..'), { recursive: true });
    writeFileSync(fakeBundle, FAKE_SERVICE);
    config = resolveStackConfig({ SLUICE_STATE_DIR: join(root, 'state') }, REPO_ROOT);
    // Short waits: the policy's doubling and cap are the unit spec's; this shows they are acted on.
    ({ client } = await ensureSupervisor(config.stateDir, {
      repoRoot: REPO_ROOT,
      log: () => undefined,
      policy: { firstDelayMs: 100, maxDelayMs: 400, stableAfterMs: 60_000 },
    }));
  });

  afterAll(async () => {
    if (config !== undefined) await bringSluiceDown(config);
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('is found, not started again, by a second npm run up', async () => {
    const again = await ensureSupervisor(config.stateDir, { repoRoot: REPO_ROOT, log: () => undefined });
    expect(again).toMatchObject({ started: false, client: { pid: client.pid } });
  });

  it('restarts a service that is killed, counts the restart, and logs the signal with the end of its log', async () => {
    const first = await client.start('provider-emulator', launchSpec(1));
    expect(recordOf(1)).toMatchObject({ pid: first.pid, restarts: 0 });
    await waitFor(() => readFileSync(recordOf(1)!.logFile, 'utf8').includes(`fake service up (pid ${first.pid})`), {
      description: 'the fake service to start',
    });

    process.kill(first.pid!, 'SIGKILL');
    const restarted = await waitFor(
      () => {
        const record = recordOf(1);
        return record !== undefined && record.pid !== first.pid && isRunning(record.pid) ? record : undefined;
      },
      { description: 'a new process for the killed service' },
    );

    expect(restarted).toMatchObject({ restarts: 1, lastExit: { code: null, signal: 'SIGKILL' } });
    expect(await client.list()).toEqual([expect.objectContaining({ id: 'provider-emulator', pid: restarted.pid, restarts: 1 })]);
    expect(supervisorLog()).toContain(`provider-emulator (pid ${first.pid}) was killed by SIGKILL`);
    expect(supervisorLog()).toContain(`| fake service up (pid ${first.pid})`);
    expect(readFileSync(restarted.logFile, 'utf8')).toContain('supervisor: restart 1 of provider-emulator, which was killed by SIGKILL');
    expect(formatSluiceStatus(describeSluice(config), REPO_ROOT, config.stateDir)).toMatch(
      new RegExp(`provider-emulator +http://127.0.0.1:40001 +${restarted.pid} +running +1 +SIGKILL after [0-9.]+ s, [0-9]+ s ago`),
    );
  });

  it('keeps restarting a service that keeps exiting, at the longest wait, and says it never gives up', async () => {
    await client.start('provider-emulator-2', launchSpec(2, { FAKE_EXIT_AFTER_MS: '50' }));

    // Waits 100, 200, then 400 ms for ever: the fourth and fifth restarts come at the cap.
    const record = await waitFor(() => ((recordOf(2)?.restarts ?? 0) >= 5 ? recordOf(2) : undefined), { description: 'five restarts of the crashing service' });

    expect(record.lastExit).toMatchObject({ code: 1, signal: null });
    expect(supervisorLog()).toMatch(/provider-emulator-2 exited 3 times in a row, .* never given up/);
    expect(readFileSync(record.logFile, 'utf8')).toContain('fake service gives up');
  });

  it('does not restart a process npm run up let go of before stopping it', async () => {
    const { pid } = recordOf(1)!;
    await client.forget('provider-emulator');
    expect(await stopProcess(pid, processMarker(EMULATOR), 5_000)).toBe('stopped');

    await waitFor(() => supervisorLog().includes(`provider-emulator (pid ${pid}) exited with code 0; no longer watched, so not restarted`), {
      description: 'the supervisor to see the exit and leave it',
    });
    expect((await client.list()).map((process) => process.id)).toEqual(['provider-emulator-2']);
    expect(recordOf(1)?.pid).toBe(pid);
  });

  it('is stopped by npm run down before the services, so none of them is restarted', async () => {
    const { pid } = await client.start('provider-emulator', launchSpec(1));
    // Up, so that its SIGTERM handler, not the signal, ends it.
    await waitFor(() => readFileSync(recordOf(1)!.logFile, 'utf8').includes(`fake service up (pid ${pid})`), { description: 'the fake service to start' });
    const report = await bringSluiceDown(config);

    expect(report.supervisor).toEqual({ pid: client.pid, outcome: 'stopped' });
    expect(report.services).toContainEqual({ name: 'provider-emulator', pid, outcome: 'stopped' });
    expect(isRunning(client.pid)).toBe(false);
    // Had the services been stopped first, the supervisor would have seen the exit and planned its restart.
    expect(supervisorLog()).not.toMatch(new RegExp(`\\(pid ${pid}\\) (exited|was killed)`));
    expect(processesRunning(fakeBundle)).toEqual([]);
    expect(readServiceRecords(config.stateDir, EMULATOR)).toEqual([]);
    expect(formatSluiceStatus(describeSluice(config), REPO_ROOT, config.stateDir)).toContain('Supervisor  not running');
  });
});
