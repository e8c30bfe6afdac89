import { Controller, Get, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ErrorCode } from '@sluice/contracts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestEventsHub } from '../events/request-events.hub';
import { RequestEventsRelay } from '../events/request-events.relay';
import { StreamQuota } from '../events/stream.quota';
import { ApiKeyGuard, callerOf } from '../http/auth/api-key.guard';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../http/deadlines/handling-deadline.interceptor';
import { ApiError } from '../http/errors/api.error';
import { KeyRateGuard } from '../http/limits/key-rate.guard';
import { IngestionConfig } from '../ingestion.config';
import { ConsoleFeed } from './console.feed';
import { consoleScopeOf } from './console.scope';
import { SSE_RESPONSE_HEADERS } from '../events/sse.frames';

const TICK_MS = 1_000;
// A browser this far behind is not reading: it is cut off and reconnects.
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** The console's live feed: Server-Sent Events from the same relay as GET /v1/requests/:id/events, one `tick` a second. */
@ApiExcludeController()
@Controller('console/api')
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
export class ConsoleLiveController {
  private readonly quota: StreamQuota;

  constructor(
    private readonly hub: RequestEventsHub,
    private readonly relay: RequestEventsRelay,
    private readonly config: IngestionConfig,
  ) {
    this.quota = new StreamQuota(config.INGESTION_SSE_MAX_STREAMS_PER_KEY);
  }

  @Get('live')
  @HandlingDeadline('none')
  async live(@Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    const caller = callerOf(request)!;
    const release = this.quota.take(caller.keyPrefix);
    if (release === undefined) {
      throw new ApiError(429, 'RATE_LIMITED', `this API key has ${this.config.INGESTION_SSE_MAX_STREAMS_PER_KEY} live feeds open, its limit; close one first`);
    }
    response.once('close', release);
    const feed = new ConsoleFeed(consoleScopeOf(caller, this.config.INGESTION_CONSOLE_OPERATOR_TENANTS).tenant, {
      write: (text) => {
        response.write(text);
        if (response.writableLength > MAX_BUFFERED_BYTES) response.destroy();
      },
      end: () => response.end(),
    });
    const leave = this.hub.openFeed(feed);
    try {
      await this.relay.goLive();
    } catch (error) {
      leave();
      throw new ApiError(503, ErrorCode.INTERNAL, `live events are not available right now (${(error as Error).message})`);
    }
    response.writeHead(200, {
      ...SSE_RESPONSE_HEADERS,
    });
    const timer = setInterval(() => feed.tick(new Date()), TICK_MS);
    response.once('close', () => {
      clearInterval(timer);
      leave();
      feed.close();
    });
    feed.tick(new Date());
  }
}
