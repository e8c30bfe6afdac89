import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ReadinessState } from '@sluice/observability';
import { IngestionConfig } from '../ingestion.config';
import { RequestEventsHub } from './request-events.hub';

// How quickly open streams notice that the service is draining; well inside any shutdown budget.
const TICK_MS = 1_000;

/**
 * Keeps idle streams alive through proxies, and ends every stream once the service starts draining:
 * the HTTP server stops only when its connections have closed, and an event stream would otherwise
 * hold the shutdown until its deadline. Readiness has no change event, so it is checked on a tick.
 */
@Injectable()
export class EventStreamsKeeper implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private lastKeepAlive = Date.now();

  constructor(
    private readonly hub: RequestEventsHub,
    private readonly readiness: ReadinessState,
    private readonly config: IngestionConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    for (const stream of this.hub.streams()) stream.close();
  }

  private tick(): void {
    if (!this.readiness.accepting) {
      for (const stream of this.hub.streams()) stream.close();
      return;
    }
    const now = Date.now();
    if (now - this.lastKeepAlive < this.config.INGESTION_SSE_KEEPALIVE_MS) return;
    this.lastKeepAlive = now;
    for (const stream of this.hub.streams()) stream.keepAlive();
  }
}
