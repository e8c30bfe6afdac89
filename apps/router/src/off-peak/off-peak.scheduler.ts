import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ROOT_LOGGER } from '@sluice/observability';
import type { Logger } from 'pino';
import { RouterMetrics } from '../metrics/router.metrics';
import { RouterConfig } from '../router.config';
import { HeldLaneReleaser } from './held-lane.releaser';

/**
 * Releases held lane messages for as long as the router runs: every ROUTER_OFFPEAK_POLL_MS, or at
 * once again while claims come back full. The holds live in the ledger only, so any number of
 * replicas may run this and a restart loses nothing. It stops in onModuleDestroy, the first of
 * Nest's shutdown hooks, so a release under way commits before the producer and the pool close.
 */
@Injectable()
export class OffPeakScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private running?: Promise<void>;
  private stopping = false;
  private wakeUp?: () => void;

  constructor(
    private readonly releaser: HeldLaneReleaser,
    private readonly config: RouterConfig,
    private readonly metrics: RouterMetrics,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const more = await this.releaseOnce();
      if (!more && !this.stopping) await this.idle();
    }
  }

  private async releaseOnce(): Promise<boolean> {
    try {
      const outcome = await this.releaser.releaseDue();
      this.metrics.released(outcome);
      for (const failure of outcome.failures) {
        this.log.warn(
          { requestId: failure.requestId, tenant: failure.tenant, error: failure.error },
          'held lane message refused by the broker; it is tried again later',
        );
      }
      if (outcome.published + outcome.answered > 0) this.log.debug({ published: outcome.published, answered: outcome.answered }, 'held lane messages released');
      return outcome.more;
    } catch (error) {
      this.log.warn({ err: error }, 'could not release held lane messages; trying again at the next poll');
      return false;
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.config.ROUTER_OFFPEAK_POLL_MS);
      // Never the reason the process stays up.
      timer.unref();
      this.wakeUp = done;
    });
  }
}
