import { ALL_TOPICS, Topics } from '@sluice/contracts';
import { randomGroupId, waitFor } from '@sluice/testing';
import { Kafka, logLevel } from 'kafkajs';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/process/free.port';
import { resolveStackConfig } from '../../scripts/stack/stack.config';
import { ensureBundles } from '../../scripts/up/build/app.bundles';
import type { ServiceName } from '../../scripts/up/services/service.catalog';
import { positionAtEnd } from './support/consumer.groups';
import { HeldLock, holdHarnessLock } from './support/harness.lock';

const ROOT = join(__dirname, '..', '..');

interface AppUnderTest {
  name: string;
  consumes: readonly string[];
  /** The consumer groups /health/ready reports, when not just KAFKA_GROUP_ID itself. */
  groups?: (groupId: string) => string[];
}

const APPS: readonly AppUnderTest[] = [
  // Deferrable requests in a group of their own, so a backlog there never holds up sluice.requests.v1.
  { name: 'ingestion', consumes: [Topics.Requests, Topics.RequestsBulk] },
  // Urgent accepted requests in a group of their own, so bulk routing never holds them up.
  { name: 'router', consumes: [Topics.Accepted, Topics.AcceptedUrgent] },
  // The worker runs one batch-mode runner per lane (concurrent provider calls within a partition), outside
  // the Nest transport, each in its own group named after KAFKA_GROUP_ID.
  { name: 'realtime-worker', consumes: [], groups: (groupId: string) => [`${groupId}.realtime`, `${groupId}.async`] },
  // Its batch lane runner holds messages until their window is submitted, outside the Nest transport.
  { name: 'batch-aggregator', consumes: [], groups: (groupId: string) => [groupId] },
  { name: 'result-notifier', consumes: [Topics.Results] },
];

interface RunningApp {
  child: ChildProcess;
  port: number;
  stdout: string[];
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: () => boolean;
}

function launch(bundle: string, env: Record<string, string>): RunningApp {
  const child = spawn(process.execPath, [bundle], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const chunks: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    chunks.push(chunk);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    stdout.push(...lines.filter((line) => line !== ''));
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  let done = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  return { child, port: Number(env.PORT), stdout, output: () => chunks.join(''), exit, exited: () => done };
}

/** Adds the app's output to a failure, which is where the reason a service did not start is written. */
async function withOutput<T>(app: RunningApp, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- service output ---\n${app.output()}`);
  }
}

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, text: await response.text() };
}

describe('apps boot', () => {
  const started: RunningApp[] = [];
  const stack = resolveStackConfig(process.env, ROOT);
  const kafka = new Kafka({ clientId: 'sluice-apps-boot', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.ERROR });
  let lock: HeldLock;

  // These apps consume Sluice's shared topics; the e2e harness lock keeps them from handling another
  // e2e file's requests (and answering them from a provider that is not there).
  beforeAll(async () => {
    lock = await holdHarnessLock(stack.stateDir, 20 * 60_000);
    let buildOutput = '';
    await ensureBundles(
      ROOT,
      stack.stateDir,
      APPS.map((app) => app.name as ServiceName),
      { output: (chunk) => (buildOutput += chunk) },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${buildOutput}`);
    });
  }, 25 * 60_000);

  afterAll(async () => {
    for (const app of started) if (!app.exited()) app.child.kill('SIGKILL');
    await lock?.release();
  });

  describe.each(APPS)('$name', ({ name, consumes, groups }) => {
    const bundle = join(ROOT, 'dist', 'apps', name, 'main.js');

    it('serves health and metrics, consumes its topics, logs JSON and stops cleanly on SIGTERM', async () => {
      const port = await freePort();
      const groupId = randomGroupId(name);
      // Fresh groups start at the end of the shared topics instead of replaying what earlier runs left there.
      await positionAtEnd(kafka, groups ? groups(groupId) : [groupId], ALL_TOPICS);
      const app = launch(bundle, { PORT: String(port), KAFKA_GROUP_ID: groupId, LOG_LEVEL: 'info' });
      started.push(app);

      const ready = await withOutput(
        app,
        waitFor(
          async () => {
            if (app.exited()) throw new Error(`${name} exited before it was ready`);
            const response = await get(port, '/health/ready');
            return response.status === 200 ? response : null;
          },
          { timeoutMs: 60_000, description: `${name} to be ready on port ${port}` },
        ),
      );
      expect(JSON.parse(ready.text)).toMatchObject({
        status: 'ok',
        details: { lifecycle: { status: 'up' }, database: { status: 'up' }, kafka: { status: 'up', consumers: groups ? groups(groupId) : [groupId] } },
      });
      expect((await get(port, '/health/live')).status).toBe(200);
      const health = await get(port, '/health');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.text)).toEqual({ status: 'ok', dependencies: { database: { status: 'up' }, kafka: { status: 'up' } }, waiting: [] });

      const metrics = await get(port, '/metrics');
      expect(metrics.status).toBe(200);
      for (const metric of [
        'sluice_messages_consumed_total counter',
        'sluice_http_request_duration_seconds histogram',
        'process_cpu_seconds_total counter',
        'process_resident_memory_bytes gauge',
        'sluice_dependency_up gauge',
      ]) {
        expect(metrics.text).toContain(`# TYPE ${metric}`);
      }
      for (const dependency of ['database', 'kafka']) {
        expect(metrics.text).toMatch(new RegExp(`^sluice_dependency_up\\{dependency="${dependency}",service="${name}"\\} 1$`, 'm'));
      }

      app.child.kill('SIGTERM');
      const { code } = await withOutput(
        app,
        waitFor(async () => (app.exited() ? app.exit : null), { timeoutMs: 10_000, description: `${name} to exit after SIGTERM` }),
      );
      expect(code).toBe(0);

      const lines = app.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const line of lines) expect(line).toMatchObject({ service: name, level: expect.any(String), time: expect.any(String) });
      expect(lines.find((line) => line.msg === 'service started')).toMatchObject({ port, consumes });
      expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    }, 120_000);

    it('refuses to start with an invalid PORT, naming the variable', async () => {
      const app = launch(bundle, { PORT: 'abc' });
      started.push(app);
      const { code } = await waitFor(async () => (app.exited() ? app.exit : null), {
        timeoutMs: 30_000,
        description: `${name} to exit on a bad environment`,
      });
      expect(code).not.toBe(0);
      expect(app.output()).toContain('PORT must be an integer between 1 and 65535 (got \\"abc\\")');
    });
  });

  it('refuses to start the result-notifier in production on the development webhook secret, naming the variable', async () => {
    // A signing key of its own, so the only development default left is the webhook secret (NOTIFIER_WEBHOOK_SECRET unset).
    const app = launch(join(ROOT, 'dist', 'apps', 'result-notifier', 'main.js'), {
      PORT: String(await freePort()),
      SLUICE_ENV: 'production',
      SLUICE_INTERNAL_SIGNING_KEY: randomBytes(48).toString('base64'),
    });
    started.push(app);
    const { code } = await waitFor(async () => (app.exited() ? app.exit : null), {
      timeoutMs: 60_000,
      description: 'the result-notifier to exit on the development webhook secret',
    });
    expect(code).toBe(1);
    const fatal = app.stdout
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level?: string; err?: { message?: string } })
      .find((line) => line.level === 'fatal');
    expect(fatal?.err?.message).toMatch(/^NOTIFIER_WEBHOOK_SECRET must be set in production/);
  });
});
