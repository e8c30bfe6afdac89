import type { BatchContext, ConsumerDriver, CrashEvent, GroupJoinEvent } from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';
import type { KafkaProducer } from '../producer/kafka.producer';
import type { ConsumerHealth } from './consumer.types';
import type { InFlightGate } from './in-flight.gate';

type RunnerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

/** What the lifecycle drives: the work on fetched batches, and the held work stopping waits for. */
export interface ConsumerWork {
  processBatch(batch: BatchContext): Promise<void>;
  /** A new group generation began. */
  onGroupJoin(): void;
  readonly heldCount: number;
  holdsDrained(): Promise<void>;
}

export interface ConsumerLifecycleSettings {
  groupId: string;
  topics: readonly string[];
  logger: KafkaLogger;
  consumer: ConsumerDriver;
  gate: InFlightGate;
  fromBeginning: boolean;
  partitionsConsumedConcurrently: number;
  shutdownTimeoutMs: number;
  /** Connected on start and closed on stop when the runner owns it. */
  ownedProducer?: KafkaProducer;
  onFatal: (error: Error) => unknown;
  /** For the log line when stopped. */
  stats(): object;
}

/**
 * Start, stop, crash and health of one consumer: connects and joins the group, pauses and resumes
 * fetching for the gate, drains held and in-flight work on stop within the shutdown deadline, and
 * turns a crash the driver will not recover from into onFatal. It owns the two signals the work
 * watches: `winding` (stopping began: no more waits between retries) and `abandon` (the runner no
 * longer waits for handlers).
 */
export class ConsumerLifecycle {
  private readonly windingController = new AbortController();
  private readonly abandonController = new AbortController();
  readonly winding = this.windingController.signal;
  readonly abandon = this.abandonController.signal;
  private state: RunnerState = 'idle';
  private joined = false;
  private notJoinedReason = 'waiting to join the consumer group';
  private crashReason?: string;
  private startPromise?: Promise<void>;
  private stopPromise?: Promise<void>;
  private work?: ConsumerWork;

  constructor(private readonly settings: ConsumerLifecycleSettings) {
    settings.consumer.onGroupJoin((event) => this.onGroupJoin(event));
    settings.consumer.onCrash((event) => this.onCrash(event));
  }

  /** Batches can arrive between the group join and run() returning. */
  get consuming(): boolean {
    return this.state === 'running' || this.state === 'starting';
  }

  start(work: ConsumerWork): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new Error(`ConsumerRunner cannot start: it is ${this.state}`));
    this.work = work;
    this.state = 'starting';
    this.startPromise = this.connectAndRun(work).catch(async (error: unknown) => {
      this.state = 'stopped';
      await this.closeConnections();
      throw error;
    });
    return this.startPromise;
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.shutDown();
    return this.stopPromise;
  }

  health(): ConsumerHealth {
    if (this.state === 'crashed') return { ready: false, reason: this.crashReason };
    if (this.state !== 'running') return { ready: false, reason: `consumer is ${this.state}` };
    if (!this.joined) return { ready: false, reason: this.notJoinedReason };
    return { ready: true };
  }

  /** The consumer cannot go on: report it, stop consuming, and hand over to onFatal. */
  fail(error: Error): void {
    const { groupId, logger } = this.settings;
    if (this.state === 'stopping' || this.state === 'stopped') {
      logger.error({ groupId, err: error }, 'kafka consumer failed while stopping');
      return;
    }
    if (this.state === 'crashed') return;
    this.state = 'crashed';
    this.crashReason = `consumer crashed: ${error.message}`;
    logger.error({ groupId, err: error, ready: false, reason: this.crashReason }, 'kafka consumer is not ready: crashed');
    this.settings.gate.close();
    this.windingController.abort();
    this.abandonController.abort();
    void this.closeConnections();
    void Promise.resolve()
      .then(() => this.settings.onFatal(error))
      .catch((hookError: unknown) => logger.error({ err: hookError }, 'onFatal threw'));
  }

  pauseFetching(): void {
    const { groupId, logger, gate } = this.settings;
    logger.debug({ groupId, ...gate.stats() }, 'pausing fetch');
    try {
      this.settings.consumer.pause(this.settings.topics);
    } catch (error) {
      // Not running yet (or restarting): onGroupJoin applies the pause once it is.
      logger.debug({ groupId, err: error }, 'pause deferred until the consumer runs');
    }
  }

  resumeFetching(): void {
    const { groupId, logger, gate } = this.settings;
    logger.debug({ groupId, ...gate.stats() }, 'resuming fetch');
    try {
      this.settings.consumer.resume(this.settings.topics);
    } catch (error) {
      logger.debug({ groupId, err: error }, 'resume skipped: consumer not running');
    }
  }

  private async connectAndRun(work: ConsumerWork): Promise<void> {
    const { consumer, ownedProducer, topics, groupId, logger } = this.settings;
    if (ownedProducer) await ownedProducer.connect();
    await consumer.connect();
    await consumer.subscribe(topics, this.settings.fromBeginning);
    await consumer.run({
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatch: (batch) => work.processBatch(batch),
    });
    // run() returns once the group is joined, unless the driver crashed meanwhile.
    if (this.state !== 'starting') return;
    this.state = 'running';
    logger.info({ groupId, topics }, 'kafka consumer started');
  }

  private async shutDown(): Promise<void> {
    const { groupId, logger, gate, consumer, shutdownTimeoutMs } = this.settings;
    await this.startPromise?.catch(() => undefined);
    if (this.state === 'idle' || this.state === 'stopped') {
      this.state = 'stopped';
      return;
    }
    const crashed = this.state === 'crashed';
    if (!crashed) {
      this.state = 'stopping';
      logger.info({ groupId, inFlight: gate.stats().inFlight }, 'kafka consumer stopping');
    }
    gate.close();
    this.windingController.abort();
    const began = Date.now();
    const work = this.work!;
    // Held work commits through the group it joined: it must settle before the consumer leaves.
    if (!crashed && !(await this.withinDeadline(work.holdsDrained(), shutdownTimeoutMs))) {
      logger.warn({ groupId, held: work.heldCount }, 'held messages did not settle in time; they stay uncommitted and will be redelivered');
    }
    const drained = await this.withinDeadline(consumer.stop(), Math.max(0, shutdownTimeoutMs - (Date.now() - began)));
    if (!drained) {
      this.abandonController.abort();
      logger.warn(
        { groupId, timeoutMs: shutdownTimeoutMs, inFlight: gate.stats().inFlight },
        'in-flight handlers did not finish in time; their messages stay uncommitted and will be redelivered',
      );
    }
    if (drained) {
      await this.closeConnections();
    } else {
      // Disconnecting waits for the same handlers; let it finish whenever they do (or the process ends).
      void consumer.disconnect().catch((error: unknown) => logger.warn({ groupId, err: error }, 'error while disconnecting the kafka consumer'));
      await this.closeConnections(false);
    }
    if (!crashed) this.state = 'stopped';
    logger.info({ groupId, ...this.settings.stats() }, 'kafka consumer stopped');
  }

  private async closeConnections(includeConsumer = true): Promise<void> {
    const closing: Array<Promise<void>> = [];
    if (includeConsumer) closing.push(this.settings.consumer.disconnect());
    if (this.settings.ownedProducer) closing.push(this.settings.ownedProducer.disconnect());
    for (const result of await Promise.allSettled(closing)) {
      if (result.status === 'rejected') {
        this.settings.logger.warn({ groupId: this.settings.groupId, err: result.reason as unknown }, 'error while closing kafka connections');
      }
    }
  }

  private async withinDeadline(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([
        work.then(
          () => true,
          (error: unknown) => {
            this.settings.logger.warn({ groupId: this.settings.groupId, err: error }, 'error while stopping the kafka consumer');
            return true;
          },
        ),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private onGroupJoin(event: GroupJoinEvent): void {
    this.joined = true;
    this.work?.onGroupJoin();
    // A restarted driver starts with nothing paused: carry an active pause over.
    if (this.settings.gate.paused) this.pauseFetching();
    this.settings.logger.info(
      { groupId: this.settings.groupId, memberId: event.memberId, assignment: event.assignment, ready: true },
      'kafka consumer joined its group and is ready',
    );
  }

  private onCrash({ error, restart }: CrashEvent): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    if (restart) {
      this.joined = false;
      this.notJoinedReason = `restarting after a crash: ${error.message}`;
      this.settings.logger.warn({ groupId: this.settings.groupId, err: error, ready: false }, 'kafka consumer crashed; the driver restarts it');
      return;
    }
    this.fail(error);
  }
}
