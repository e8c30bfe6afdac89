import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CompletionsRepository } from '@sluice/ledger';
import { abortableSleep, MetricsRegistry, PG_POOL, ROOT_LOGGER } from '@sluice/observability';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { ResultNotifierConfig } from '../result-notifier.config';

// Calls booked per statement: a backlog (a long outage's worth) is caught up a statement at a time.
const SWEEP_LIMIT = 1_000;
// Answered calls deleted per statement: an interval's worth at a high call rate takes a few.
const PRUNE_LIMIT = 10_000;

/**
 * Closes the bill of provider calls a crash cut off: every NOTIFIER_CALL_SWEEP_INTERVAL_MS, one
 * statement books the calls the realtime worker wrote ahead and no result answered by their expiry
 * plus NOTIFIER_CALL_SWEEP_GRACE_MS as extra spend (CompletionsRepository.sweepUnansweredCalls);
 * an answer that still comes replaces the estimate; then it deletes the answered calls, whose bill is
 * closed. Any number of notifier copies may sweep at once:
 * each takes the calls the others have not locked. A failed sweep is logged; the next one catches up.
 */
@Injectable()
export class UnansweredCallsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly completions: CompletionsRepository;
  private readonly calls: Counter;
  private readonly usd: Counter;
  private readonly stopped = new AbortController();
  private running?: Promise<void>;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(MetricsRegistry) registry: MetricsRegistry,
    @Inject(ResultNotifierConfig) private readonly config: ResultNotifierConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.completions = new CompletionsRepository(pool);
    this.calls = registry.counter({
      name: 'sluice_unanswered_calls_booked_total',
      help: 'Provider calls a crash left without an answer, booked as extra spend by the sweep.',
    });
    this.usd = registry.counter({
      name: 'sluice_unanswered_calls_booked_usd_total',
      help: 'What the sweep booked for provider calls left without an answer (their estimate, or the cost of their request answered again).',
    });
  }

  onApplicationBootstrap(): void {
    this.running = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped.abort();
    await this.running;
  }

  private async sweep(): Promise<void> {
    for (;;) {
      const booked = await this.completions.sweepUnansweredCalls(this.config.NOTIFIER_CALL_SWEEP_GRACE_MS, SWEEP_LIMIT);
      if (booked.calls > 0) {
        this.calls.inc(booked.calls);
        this.usd.inc(booked.costUsd);
        this.logger.warn(booked, 'provider calls left without an answer booked as extra spend');
      }
      if (booked.calls < SWEEP_LIMIT || this.stopped.signal.aborted) break;
    }
    while ((await this.completions.pruneAnsweredCalls(PRUNE_LIMIT)) === PRUNE_LIMIT && !this.stopped.signal.aborted);
  }

  private async run(): Promise<void> {
    const { signal } = this.stopped;
    do {
      try {
        await this.sweep();
      } catch (error) {
        this.logger.warn({ err: error }, 'could not sweep the unanswered provider calls; trying again at the next interval');
      }
    } while (await abortableSleep(this.config.NOTIFIER_CALL_SWEEP_INTERVAL_MS, signal));
  }
}
