import { ALL_TOPICS, Topics } from '@sluice/contracts';
import { createTestDatabase, type TestDatabase } from '@sluice/ledger/testing/test-database';
import { randomGroupId, randomTopicName, waitFor } from '@sluice/testing';
import { Admin, Kafka, Producer, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tailOf } from '../../../scripts/stack/process/process.control';
import { REPO_ROOT, StackConfig, resolveStackConfig } from '../../../scripts/stack/stack.config';
import { bringUp } from '../../../scripts/stack/stack.up';
import { ensureBundles } from '../../../scripts/up/build/app.bundles';
import {
  BULK_APART,
  EMULATOR,
  SERVICES,
  ServiceInstance,
  ServiceName,
  SluiceApp,
  instanceId,
  roleEnv,
  serviceEnv,
} from '../../../scripts/up/services/service.catalog';
import { freePort } from '../../../scripts/stack/process/free.port';
import { foreignConsumers, lagsOf, positionAtEnd } from './consumer.groups';
import { EmulatorAdmin } from './emulator.admin';
import { HeldLock, holdHarnessLock } from './harness.lock';
import { LedgerAccess } from './ledger.access';
import { ServiceProcess, awaitReady, launchService, makeRunDir, reapEarlierRuns, writePidFile } from './service.processes';
import { SluiceHttp } from './sluice.http';
import { TopicTap } from './topic.tap';
import { kafkaJsSecurityFromEnv } from '../../../scripts/stack/kafka/kafka.security';

export interface HarnessOptions {
  /** Names the run's log folder, <state>/e2e/runs/<name>-<run>/. */
  name: string;
  /** Extra environment per service, over the harness's own. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Read every Sluice topic into memory (default true); a benchmark reads only what it measures. */
  tap?: boolean;
  readyTimeoutMs?: number;
  /** How long to wait for another harness (another e2e file, a benchmark) to finish. */
  lockTimeoutMs?: number;
  /** Start only these services (a benchmark of one service); all of them by default. */
  only?: readonly ServiceName[];
  /** Copies of an app in its consumer groups (default 1): copy k is service id `<app>-<k>`. */
  copies?: Partial<Record<SluiceApp, number>>;
  /**
   * Run bulk work apart, as `npm run up` does: `<app>-bulk` processes for the bulk consumer groups of
   * ingestion and router, bulk processes at a lower CPU priority. Default false: one process per copy.
   */
  bulkApart?: boolean;
}

export interface RawMessage {
  key?: string;
  value: string;
  partition?: number;
  headers?: Record<string, string>;
}

/** A result or event as read off the wire: checked against its contract by the tests, typed loosely here. */
export type ResultValue = Record<string, unknown> & { id: string; tenant: string; resultId: string; status: string; lane: string };
export type EventValue = Record<string, unknown> & { eventId: string; type: string; requestId: string; tenant: string };

interface HarnessParts {
  runId: string;
  groupPrefix: string;
  runDir: string;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  services: Map<string, ServiceProcess>;
  envs: ReadonlyMap<string, NodeJS.ProcessEnv>;
  ledger: LedgerAccess;
  database: TestDatabase;
  tapped: TopicTap | undefined;
  lock: HeldLock;
  webhookSecret: string;
}

/**
 * Topics a group may consume under the ids the harness hands out: the apps' own group, the per-lane
 * groups the realtime-worker derives from it (`<KAFKA_GROUP_ID>.<lane>`), and the groups of the urgent
 * and bulk paths (`<KAFKA_GROUP_ID>.urgent`, `<KAFKA_GROUP_ID>.bulk`).
 */
const GROUP_SUFFIXES = ['', '.realtime', '.async', '.urgent', '.bulk'];

/**
 * Starts the five Sluice apps and the provider emulator from their bundles (built first when stale)
 * on free ports, against the running broker and database, with consumer groups of this run only,
 * positioned at the end of the shared topics. Everything a test needs to drive and observe them
 * hangs off the returned harness; `stop()` ends it all.
 */
export class SluiceHarness {
  readonly emulator: EmulatorAdmin;
  /** Provider API keys the apps use: the emulator bills per key, so billing of this run is its own. */
  readonly providerKeys: { openai: string; anthropic: string };
  readonly runId: string;
  readonly groupPrefix: string;
  readonly runDir: string;
  readonly kafka: Kafka;
  readonly producer: Producer;
  /** By service id: `router` (the first copy), `router-2`, … */
  private readonly running: Map<string, ServiceProcess>;
  private readonly envs: ReadonlyMap<string, NodeJS.ProcessEnv>;
  readonly ledger: LedgerAccess;
  /** The key the result-notifier signs webhooks with: a test verifies signatures with it. */
  readonly webhookSecret: string;
  private readonly admin: Admin;
  /** Every Sluice topic from this run's start, when the tap is on. */
  private readonly tapped: TopicTap | undefined;
  private readonly lock: HeldLock;
  private readonly database: TestDatabase;
  private readonly createdTopics: string[] = [];
  private readonly collectors: TopicTap[] = [];

  private constructor(parts: HarnessParts) {
    this.runId = parts.runId;
    this.groupPrefix = parts.groupPrefix;
    this.runDir = parts.runDir;
    this.kafka = parts.kafka;
    this.admin = parts.admin;
    this.producer = parts.producer;
    this.running = parts.services;
    this.envs = parts.envs;
    this.ledger = parts.ledger;
    this.tapped = parts.tapped;
    this.lock = parts.lock;
    this.database = parts.database;
    this.webhookSecret = parts.webhookSecret;
    this.emulator = new EmulatorAdmin(this.service(EMULATOR).url);
    this.providerKeys = providerKeysFor(parts.runId);
  }

  static async start(options: HarnessOptions): Promise<SluiceHarness> {
    const stack = resolveStackConfig(process.env, REPO_ROOT);
    const lock = await holdHarnessLock(stack.stateDir, options.lockTimeoutMs ?? 20 * 60_000);
    const cleanup: Array<() => Promise<unknown>> = [() => lock.release()];
    try {
      const runsDir = join(stack.stateDir, 'e2e', 'runs');
      reapEarlierRuns(runsDir);
      const runId = `${options.name}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
      const runDir = makeRunDir(runsDir, runId);
      const names = SERVICES.map((spec) => spec.name).filter((name) => options.only === undefined || options.only.includes(name));

      let buildOutput = '';
      await ensureBundles(REPO_ROOT, stack.stateDir, names, { output: (chunk) => (buildOutput += chunk) }).catch((error: Error) => {
        throw new Error(`${error.message}\n${buildOutput.slice(-6000)}`);
      });

      const { brokers, databaseUrl: serverUrl } = await stackAddresses(stack);
      // A database of this run only: what one run leaves in the ledger (a batch still open at the
      // provider of its own emulator) is never taken up by the next run's services.
      const database = await createTestDatabase({ serverUrl });
      cleanup.push(() => database.drop());
      const databaseUrl = database.url;
      const kafka = new Kafka({ clientId: `sluice-e2e-${runId}`, brokers: brokers.split(','), logLevel: logLevel.ERROR, ...kafkaJsSecurityFromEnv() });
      const admin = kafka.admin();
      await admin.connect();
      cleanup.push(() => admin.disconnect());

      const groupPrefix = `sluice-e2e-${runId}`;
      const groupOf = (app: ServiceName): string => `${groupPrefix}-${app}`;
      const candidates = names.filter((name) => name !== EMULATOR).flatMap((app) => GROUP_SUFFIXES.map((suffix) => `${groupOf(app)}${suffix}`));
      await positionAtEnd(kafka, candidates, ALL_TOPICS);

      const tapped = options.tap === false ? undefined : await TopicTap.open(kafka, { groupId: `${groupPrefix}-tap`, topics: ALL_TOPICS, fromEnd: true });
      if (tapped) cleanup.push(() => tapped.stop());

      const instances: ServiceInstance[] = names.flatMap((name) =>
        Array.from({ length: name === EMULATOR ? 1 : (options.copies?.[name] ?? 1) }, (_, index) => ({ name, copy: index + 1 })),
      );
      if (options.bulkApart) {
        for (const name of names) if (name !== EMULATOR && BULK_APART[name] !== undefined) instances.push({ name, copy: 1, role: 'bulk' });
      }
      const ports = new Map<string, number>();
      for (const instance of instances) ports.set(instanceId(instance), await freePort());
      const emulatorUrl = `http://127.0.0.1:${ports.get(EMULATOR)}`;
      const keys = providerKeysFor(runId);
      const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
      const own: Record<ServiceName, Record<string, string>> = {
        // Tenants' bindings set by a test apply within a fraction of a second, and a replyTo topic a test
        // creates is taken by the next request naming it, however recently the topic list was read.
        ingestion: { INGESTION_TENANT_POLICIES_REFRESH_MS: '200', INGESTION_TOPICS_RECHECK_GAP_MS: '0' },
        router: {},
        'realtime-worker': { OPENAI_API_KEY: keys.openai, ANTHROPIC_API_KEY: keys.anthropic },
        'batch-aggregator': { OPENAI_API_KEY: keys.openai, ANTHROPIC_API_KEY: keys.anthropic },
        // Short webhook backoff, so "retried, then dead" happens within a test.
        'result-notifier': {
          NOTIFIER_WEBHOOK_SECRET: webhookSecret,
          NOTIFIER_WEBHOOK_MAX_ATTEMPTS: '3',
          NOTIFIER_WEBHOOK_BASE_DELAY_MS: '100',
          NOTIFIER_WEBHOOK_MAX_DELAY_MS: '400',
          NOTIFIER_WEBHOOK_POLL_MS: '50',
          NOTIFIER_WEBHOOK_TIMEOUT_MS: '3000',
          // The e2e receivers listen on loopback, which webhooks reach only when allowed.
          WEBHOOK_ALLOWED_DESTINATIONS: '127.0.0.1,localhost',
        },
        // Batches in about a second, should a test's request end up on the batch lane.
        [EMULATOR]: { EMULATOR_PROFILE: JSON.stringify({ preset: 'test' }) },
      };

      const services = new Map<string, ServiceProcess>();
      const envs = new Map<string, NodeJS.ProcessEnv>();
      for (const instance of instances) {
        const { name, copy, role } = instance;
        const id = instanceId(instance);
        const port = ports.get(id) ?? 0;
        const env = {
          ...serviceEnv(name, {
            kafkaBrokers: brokers,
            databaseUrl,
            emulatorUrl,
            port,
            logLevel: process.env.SLUICE_E2E_LOG_LEVEL || 'info',
            groupId: name === EMULATOR ? undefined : groupOf(name),
            ...((copy > 1 || role !== undefined) && { clientId: `sluice-e2e-${id}` }),
          }),
          ...roleEnv(instance, options.bulkApart === true, `http://127.0.0.1:${ports.get(instanceId({ name, copy: 1, role: 'bulk' }))}`),
          ...own[name],
          ...options.env?.[name],
        };
        envs.set(id, env);
        services.set(id, launchService(REPO_ROOT, name, port, env, join(runDir, `${id}.log`), copy, role));
      }
      writePidFile(runDir, [...services.values()]);
      cleanup.push(() => Promise.all([...services.values()].map((service) => service.stop())));

      const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
      await Promise.all([...services.values()].map((service) => awaitReady(service, deadline)));

      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const ledger = new LedgerAccess(databaseUrl);
      return new SluiceHarness({ runId, groupPrefix, runDir, kafka, admin, producer, services, envs, ledger, database, tapped, lock, webhookSecret });
    } catch (error) {
      for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
      throw error;
    }
  }

  /** The HTTP API of the ingestion service. */
  get http(): SluiceHttp {
    return new SluiceHttp(this.service('ingestion').url);
  }

  /** The services as they run now, by id (`router`, `router-2`, …); a restarted one is its new process. */
  get services(): ReadonlyMap<string, ServiceProcess> {
    return this.running;
  }

  /** Every copy of a service, first copy first (not its bulk process). */
  copiesOf(name: ServiceName): ServiceProcess[] {
    return [...this.running.values()].filter((service) => service.name === name && service.role === undefined).sort((a, b) => a.copy - b.copy);
  }

  /**
   * Kills a service with SIGKILL (a crash: no shutdown hook, no commit, no flush) and starts it again
   * with the same environment, port and log file; resolves once the new process is ready. `id` names
   * a copy (`router-2`); a service's name alone is its first copy.
   */
  async crashAndRestart(id: string, readyTimeoutMs = 120_000): Promise<ServiceProcess> {
    const old = await this.crash(id);
    const restarted = launchService(REPO_ROOT, old.name, old.port, this.envs.get(id) ?? {}, old.logFile, old.copy, old.role);
    this.running.set(id, restarted);
    writePidFile(this.runDir, [...this.running.values()]);
    await awaitReady(restarted, Date.now() + readyTimeoutMs);
    return restarted;
  }

  /**
   * Stops a service as an operator would (SIGTERM: its shutdown hooks run), runs `meanwhile` while it
   * is down, then starts it again with the same environment, port and log file; resolves once the new
   * process is ready. How a benchmark lets a backlog build up before a service reads it.
   */
  async stopAndRestart(id: string, meanwhile: () => Promise<void>, readyTimeoutMs = 120_000): Promise<ServiceProcess> {
    const old = this.service(id);
    await old.stop();
    await meanwhile();
    const restarted = launchService(REPO_ROOT, old.name, old.port, this.envs.get(id) ?? {}, old.logFile, old.copy, old.role);
    this.running.set(id, restarted);
    writePidFile(this.runDir, [...this.running.values()]);
    await awaitReady(restarted, Date.now() + readyTimeoutMs);
    return restarted;
  }

  /** Kills a copy with SIGKILL and leaves it down: its partitions go to the other copies of its groups. */
  async crash(id: string): Promise<ServiceProcess> {
    const old = this.service(id);
    await old.kill();
    return old;
  }

  service(id: string): ServiceProcess {
    const found = this.services.get(id);
    if (found === undefined) throw new Error(`no ${id} in this harness`);
    return found;
  }

  /** Every Sluice topic read from the start of this run. */
  get tap(): TopicTap {
    if (this.tapped === undefined) throw new Error('this harness was started with tap: false');
    return this.tapped;
  }

  /** Requests as producers send them: JSON on sluice.requests.v1, keyed by id. */
  async produce(requests: ReadonlyArray<Record<string, unknown>>, options: { partition?: number } = {}): Promise<void> {
    await this.produceRaw(
      requests.map((request) => ({
        key: typeof request.id === 'string' ? request.id : undefined,
        value: JSON.stringify(request),
        partition: options.partition,
      })),
    );
  }

  async produceRaw(messages: readonly RawMessage[], topic: string = Topics.Requests): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages: messages.map((message) => ({ ...message })) });
  }

  /** Waits for the request's first result on sluice.results.v1 and returns it. */
  async awaitResult(tenant: string, requestId: string, timeoutMs = 60_000): Promise<ResultValue> {
    return this.waitFor(() => this.tap.values<ResultValue>(tenant, requestId, Topics.Results)[0], {
      timeoutMs,
      description: `a result for ${tenant}/${requestId} on ${Topics.Results}`,
    });
  }

  /** Waits for the request's first lifecycle event of `type` on sluice.events.v1 and returns it. */
  async awaitEvent(tenant: string, requestId: string, type: string, timeoutMs = 60_000): Promise<EventValue> {
    return this.waitFor(() => this.tap.values<EventValue>(tenant, requestId, Topics.Events).find((event) => event.type === type), {
      timeoutMs,
      description: `a ${type} event for ${tenant}/${requestId} on ${Topics.Events}`,
    });
  }

  /** The types of the request's lifecycle events so far, in arrival order. */
  eventTypes(tenant: string, requestId: string): string[] {
    return this.tap.values<EventValue>(tenant, requestId, Topics.Events).map((event) => event.type);
  }

  /** A topic of this test's own (a replyTo), deleted when the harness stops. */
  async createTopic(prefix = 'reply', partitions = 1): Promise<string> {
    const name = randomTopicName(`e2e-${prefix}`);
    await this.admin.createTopics({ waitForLeaders: true, topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }] });
    this.createdTopics.push(name);
    return name;
  }

  /** Reads a topic of this test's own from its beginning. */
  async collect(topic: string): Promise<TopicTap> {
    const collector = await TopicTap.open(this.kafka, { groupId: randomGroupId('e2e-collector'), topics: [topic], fromEnd: false });
    this.collectors.push(collector);
    return collector;
  }

  /**
   * Waits until every consumer group of this run has committed everything on its topics, twice in
   * a row: each service commits only after it produced what a message causes, so nothing is still
   * travelling. What a test counts after this is final, not a snapshot of work in flight.
   */
  async quiesce(timeoutMs = 60_000): Promise<void> {
    let quietBefore = false;
    let last = '';
    await this.waitFor(
      async () => {
        const lags = await lagsOf(this.admin, (groupId) => groupId.startsWith(this.groupPrefix) && !groupId.includes('.events.'));
        const behind = lags.filter((lag) => lag.lag > 0);
        last = behind.map((lag) => `${lag.groupId}: ${lag.behind.join(', ')}`).join('; ');
        const quiet = behind.length === 0;
        const settled = quiet && quietBefore;
        quietBefore = quiet;
        return settled;
      },
      { timeoutMs, intervalMs: 250, description: () => `every consumer group of the run to catch up (still behind: ${last})` },
    );
  }

  /** `waitFor` whose failure carries the services' log tails and any other consumers of Sluice's topics. */
  async waitFor<T>(
    condition: () => T | Promise<T>,
    options: { timeoutMs?: number; intervalMs?: number; description: string | (() => string) },
  ): Promise<NonNullable<T>> {
    const describe = typeof options.description === 'function' ? options.description : () => options.description as string;
    try {
      return await waitFor(condition, { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: options.intervalMs ?? 50, description: 'the condition' });
    } catch (error) {
      throw new Error(`${(error as Error).message.replace('the condition', describe())}\n${await this.diagnostics()}`);
    }
  }

  /** What explains a failure: other consumers of Sluice's topics, then the end of every service's log. */
  async diagnostics(lines = 15): Promise<string> {
    const foreign = await foreignConsumers(this.admin, this.groupPrefix, ALL_TOPICS).catch((error: Error) => [`(could not list groups: ${error.message})`]);
    const exited = [...this.services.values()].filter((service) => service.exited()).map((service) => service.id);
    return [
      `--- harness run ${this.runId}, logs in ${this.runDir}`,
      exited.length > 0 ? `--- EXITED: ${exited.join(', ')}` : '--- every service still running',
      foreign.length > 0
        ? `--- other consumers of Sluice topics on this broker (they handle this run's messages too, and can duplicate results):\n${foreign.join('\n')}`
        : '--- no other consumers of Sluice topics on this broker',
      ...[...this.services.values()].map((service) => `--- ${service.id} (last ${lines} lines)\n${tailOf(service.logFile, lines)}`),
    ].join('\n');
  }

  /** Other active consumer groups on Sluice's topics, for assertions whose failure they would explain. */
  foreignConsumers(): Promise<string[]> {
    return foreignConsumers(this.admin, this.groupPrefix, ALL_TOPICS);
  }

  async stop(): Promise<void> {
    const steps: Array<() => Promise<unknown>> = [
      () => Promise.all([...this.services.values()].map((service) => service.stop())),
      () => Promise.all(this.collectors.map((collector) => collector.stop())),
      async () => this.tapped?.stop(),
      () => this.producer.disconnect(),
      async () => (this.createdTopics.length > 0 ? this.admin.deleteTopics({ topics: this.createdTopics }) : undefined),
      () => this.admin.disconnect(),
      () => this.ledger.close(),
      () => this.database.drop(),
      async () => rmSync(join(this.runDir, 'pids.json'), { force: true }),
    ];
    const failures: unknown[] = [];
    for (const step of steps) await step().catch((error: unknown) => failures.push(error));
    await this.lock.release();
    if (failures.length > 0) throw new AggregateError(failures, 'harness did not stop cleanly');
  }
}

/**
 * Where the broker and the ledger are: Jest's global setup exports both; a benchmark run from a shell
 * asks the stack (as stack:up: uses what answers, starts what does not) rather than guess a database.
 */
async function stackAddresses(stack: StackConfig): Promise<{ brokers: string; databaseUrl: string }> {
  const { KAFKA_BROKERS, DATABASE_URL } = process.env;
  if (KAFKA_BROKERS && DATABASE_URL) return { brokers: KAFKA_BROKERS, databaseUrl: DATABASE_URL };
  const report = await bringUp(stack);
  return { brokers: report.kafka.brokers, databaseUrl: report.postgres.url };
}

function providerKeysFor(runId: string): { openai: string; anthropic: string } {
  const suffix = runId.replace(/[^A-Za-z0-9]/g, '');
  return { openai: `sk-e2e-${suffix}`, anthropic: `sk-ant-e2e-${suffix}` };
}
