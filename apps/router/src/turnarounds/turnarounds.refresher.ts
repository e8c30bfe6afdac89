import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ROOT_LOGGER } from '@sluice/observability';
import type { Logger } from 'pino';
import { RouterConfig } from '../router.config';
import { LearnedTurnarounds } from './learned-turnarounds';

/** Re-reads the learned turnarounds on a timer for as long as the router runs, starting at boot. */
@Injectable()
export class TurnaroundsRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly turnarounds: LearnedTurnarounds,
    private readonly config: RouterConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // A restarted router plans with what the ledger already knows, not with the priors for a whole interval.
    void this.refresh();
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
      const learned = await this.turnarounds.refresh(new Date());
      this.log.debug({ learned }, 'lane turnarounds refreshed');
    } catch (error) {
      this.log.warn({ err: error }, 'lane turnarounds could not be refreshed; what was learned stays until it expires');
    } finally {
      this.running = false;
    }
  }
}
