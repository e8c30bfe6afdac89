import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ROOT_LOGGER } from '@sluice/observability';
import type { Logger } from 'pino';
import { RouterConfig } from '../router.config';
import { DailySpendTracker } from './daily-spend.tracker';

/** Re-reads budgeted tenants' spend today every ROUTER_SPEND_REFRESH_MS for as long as the router runs. */
@Injectable()
export class SpendRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly spend: DailySpendTracker,
    private readonly config: RouterConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.refresh(), this.config.ROUTER_SPEND_REFRESH_MS);
    // Never the reason the process stays up.
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      // A slow ledger does not pile reads up: a refresh under way is joined, not repeated.
      await this.spend.refresh(new Date());
    } catch (error) {
      this.log.warn({ err: error }, 'tenant spend could not be refreshed; the previous figures stay');
    }
  }
}
