import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ROOT_LOGGER } from '@sluice/observability';
import type { Logger } from 'pino';
import { RouterConfig } from '../router.config';
import { LearnedEstimates } from './learned-estimates';

/** Re-reads the learned estimates on a timer for as long as the router runs. */
@Injectable()
export class EstimatesRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly estimates: LearnedEstimates,
    private readonly config: RouterConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.refresh(), this.config.ROUTER_ESTIMATES_REFRESH_MS);
    // Never the reason the process stays up.
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    // A slow ledger must not pile refreshes up behind each other.
    if (this.running) return;
    this.running = true;
    try {
      const { updated, failed } = await this.estimates.refresh(new Date());
      if (failed.length > 0)
        this.log.warn({ err: failed[0], failed: failed.length, updated }, 'some lane estimates could not be refreshed; the previous ones stay');
      else this.log.debug({ updated }, 'lane estimates refreshed');
    } finally {
      this.running = false;
    }
  }
}
