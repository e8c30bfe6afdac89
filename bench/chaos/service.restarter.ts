import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RESTART_POLICY, RestartPolicy, planRestart } from '../../scripts/up/supervisor/restart.policy';
import type { SluiceHarness } from '../../test/e2e/support';

/** A shared two-core machine can take minutes to start a Node service; npm run up waits as long for it. */
const READY_TIMEOUT_MS = 600_000;

export interface RestartRecord {
  id: string;
  exitedAt: number;
  /** Uptime of the process that exited. */
  uptimeMs: number;
  delayMs: number;
  /** When the new process answered /health/ready; absent while it is not (or it exited again first). */
  readyAt?: number;
  error?: string;
}

/**
 * What `npm run up`'s supervisor does for the harness's services: a process that exits without
 * having been stopped is started again with the same environment, port and log, after the
 * supervisor's own restart policy (1 s doubling to 30 s, reset by a run of 60 s). The harness starts
 * the services as children of the bench (own ports, groups and database), so the supervisor process
 * itself cannot watch them; its policy is the same code.
 */
export class ServiceRestarter {
  readonly restarts: RestartRecord[] = [];
  /** When each service id was last started. */
  private readonly startedAt = new Map<string, number>();
  private readonly streaks = new Map<string, number>();
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly h: SluiceHarness,
    private readonly log: (line: string) => void,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {}

  start(): void {
    for (const id of this.h.services.keys()) this.startedAt.set(id, Date.now());
    this.timer = setInterval(() => this.check(), 200);
  }

  /** Stops watching: the harness stops the services next, and none of them may come back. */
  stop(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** Waits until `id` was restarted after `since` and is ready; the ready time. */
  async readyAfter(id: string, since: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = this.restarts.find((record) => record.id === id && record.exitedAt >= since && record.readyAt !== undefined);
      if (ready?.readyAt !== undefined) return ready.readyAt;
      if (Date.now() > deadline) throw new Error(`${id} was not restarted and ready within ${Math.round(timeoutMs / 1000)} s`);
      await sleep(100);
    }
  }

  private check(): void {
    for (const [id, service] of this.h.services) {
      if (!service.exited() || this.busy.has(id) || this.closed) continue;
      this.busy.add(id);
      const exitedAt = Date.now();
      const uptimeMs = exitedAt - (this.startedAt.get(id) ?? exitedAt);
      const decision = planRestart(this.streaks.get(id) ?? 0, uptimeMs, this.policy);
      this.streaks.set(id, decision.exitStreak);
      const record: RestartRecord = { id, exitedAt, uptimeMs, delayMs: decision.delayMs };
      this.restarts.push(record);
      this.log(`${id} (pid ${service.pid}) exited after ${Math.round(uptimeMs / 1000)} s up; restarting it in ${decision.delayMs} ms`);
      void this.restart(id, record);
    }
  }

  private async restart(id: string, record: RestartRecord): Promise<void> {
    try {
      await sleep(record.delayMs);
      if (this.closed) return;
      // crashAndRestart of a process that already exited only starts it again, as the supervisor would.
      this.startedAt.set(id, Date.now());
      await this.h.crashAndRestart(id, READY_TIMEOUT_MS);
      record.readyAt = Date.now();
      this.log(`${id} restarted and ready ${Math.round((record.readyAt - record.exitedAt) / 100) / 10} s after its exit`);
    } catch (error) {
      record.error = (error as Error).message.split('\n')[0];
      this.log(`${id}: restart failed: ${record.error}`);
    } finally {
      this.busy.delete(id);
    }
  }
}
