import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { brokerFiles, runningBrokerPid } from './kafka/broker.process';
import { probeKafka } from './kafka/kafka.admin';
import { embeddedFiles, runningEmbeddedPid } from './postgres/embedded.postgres';
import { freePort, freePortPair } from './process/free.port';
import { isRunning } from './process/process.control';
import { REPO_ROOT, StackConfig, resolveStackConfig } from './stack.config';
import { bringDown } from './stack.down';
import { describeStack } from './stack.status';
import { bringUp } from './stack.up';
import { readState } from './state/stack.state';

async function tableCount(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("select count(*) as n from information_schema.tables where table_name = 'schema_migrations'");
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

const SPEC_DIR_PREFIX = 'sluice-stack-spec-';
const OWNER_FILE = 'owner.pid';

/**
 * The broker and database this spec starts are detached by design, so a test process killed
 * mid-run (Ctrl-C, a CI timeout) leaves them running. Each run therefore stops those of earlier
 * runs whose owning process is gone, found by their state dirs, before starting its own.
 */
async function reclaimAbandonedRuns(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((entry) => entry.startsWith(SPEC_DIR_PREFIX))) {
    const dir = join(tmpdir(), name);
    const owner = Number(existsSync(join(dir, OWNER_FILE)) ? readFileSync(join(dir, OWNER_FILE), 'utf8') : NaN);
    if (Number.isInteger(owner) && isRunning(owner)) continue;
    await bringDown(resolveStackConfig({ SLUICE_STATE_DIR: dir }, REPO_ROOT));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Last resort when the process exits without running afterAll: signal synchronously, found by pid files. */
function stopOnExit(stateDir: string): () => void {
  const stop = (): void => {
    for (const pid of [runningBrokerPid(brokerFiles(stateDir)), runningEmbeddedPid(embeddedFiles(stateDir))]) {
      if (pid !== undefined) process.kill(pid, 'SIGTERM');
    }
  };
  process.once('exit', stop);
  return () => process.removeListener('exit', stop);
}

describe('stack lifecycle (real broker from jars, embedded PostgreSQL)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), SPEC_DIR_PREFIX));
  writeFileSync(join(stateDir, OWNER_FILE), String(process.pid));
  const forgetExitHook = stopOnExit(stateDir);
  let config: StackConfig;
  let kafkaPid: number | undefined;
  let postgresPid: number | undefined;

  beforeAll(async () => {
    await reclaimAbandonedRuns();
    // mkdtemp makes the dir private; run as root, the embedded server runs as `postgres` and must get in.
    chmodSync(stateDir, 0o755);
    const kafkaPort = await freePortPair();
    const closedPort = await freePort();
    config = resolveStackConfig(
      {
        KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
        SLUICE_STATE_DIR: stateDir,
        // Nothing listens there, so the embedded server is the only way to a database.
        SLUICE_LOCAL_PG_PORT: String(closedPort),
        SLUICE_EMBEDDED_PG_PORT: String(await freePort()),
      },
      REPO_ROOT,
    );
  });

  afterAll(async () => {
    await bringDown(config);
    forgetExitHook();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts what is missing, reuses it on the next run, and stops only that', async () => {
    const first = await bringUp(config, { rollbackOnFailure: true });
    expect(first.kafka.origin).toBe('started');
    expect(first.postgres.origin).toBe('started');
    expect(first.topics.plan.drift).toEqual([]);
    expect(first.migrations.current.length).toBeGreaterThan(0);
    kafkaPid = first.kafka.pid;
    postgresPid = first.postgres.pid;
    expect(await probeKafka(config.kafkaBrokers)).toBeDefined();
    expect(await tableCount(first.postgres.url)).toBe(1);
    expect(readState(stateDir)?.kafka).toMatchObject({ startedByUs: true, pid: kafkaPid });

    const second = await bringUp(config);
    expect(second.kafka).toMatchObject({ origin: 'ours', pid: kafkaPid });
    expect(second.postgres).toMatchObject({ origin: 'ours', pid: postgresPid });
    expect(second.topics.applied).toEqual([]);
    expect(second.migrations.applied).toEqual([]);

    const status = await describeStack(config);
    expect(status.kafka.ourPid).toBe(kafkaPid);
    expect(status.topics).toEqual({ ok: true, value: expect.objectContaining({ actions: [], drift: [] }) });
    expect(status.migrations).toEqual({ ok: true, value: expect.objectContaining({ pending: [] }) });

    const down = await bringDown(config);
    expect(down).toEqual({ kafka: 'stopped', postgres: 'stopped' });
    expect(isRunning(kafkaPid ?? -1)).toBe(false);
    expect(isRunning(postgresPid ?? -1)).toBe(false);
    expect(existsSync(join(stateDir, 'kafka', 'data', 'meta.properties'))).toBe(true);
  });
});
