import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LearnedTurnarounds, refreshTurnarounds } from '@sluice/ledger';
import { ROOT_LOGGER } from '@sluice/observability';
import type { Logger } from 'pino';
import { BatchAggregatorConfig } from '../batch-aggregator.config';

/** Re-reads the learned batch turnarounds from boot on, for as long as the aggregator runs. */
@Injectable()
export class TurnaroundsRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop?: () => void;

  constructor(
    private readonly turnarounds: LearnedTurnarounds,
    private readonly config: BatchAggregatorConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = refreshTurnarounds(this.turnarounds, this.config.BATCH_TURNAROUNDS_REFRESH_MS, (outcome) => {
      if ('error' in outcome) this.log.warn({ err: outcome.error }, 'batch turnarounds could not be refreshed; what was learned stays until it expires');
      else this.log.debug({ learned: outcome.learned }, 'batch turnarounds refreshed');
    });
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }
}
