import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { IncomingMessage } from 'node:http';
import { callerOf } from '../auth/api-key.guard';
import { ApiError } from '../errors/api.error';

/**
 * Requests per API key per window (INGESTION_RATE_LIMIT_REQUESTS per INGESTION_RATE_LIMIT_WINDOW_MS), counted over every route
 * together, so one key cannot take the API from the others; placed after ApiKeyGuard, which names
 * the key. Over the limit: 429 with Retry-After (set by ThrottlerGuard) and Sluice's error body.
 * Counted in this process: N copies behind a balancer admit up to N times the limit.
 */
@Injectable()
export class KeyRateGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const caller = callerOf(request as unknown as IncomingMessage);
    if (caller === undefined) throw new Error('KeyRateGuard used on a route without ApiKeyGuard before it');
    return Promise.resolve(caller.keyPrefix);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return `api-key:${tracker}`;
  }

  protected override throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    const window = limit.ttl === 1_000 ? 'a second' : `per ${limit.ttl / 1_000} s`;
    throw new ApiError(429, 'RATE_LIMITED', `this API key is over its limit of ${limit.limit} requests ${window}; retry after ${limit.timeToBlockExpire} s`);
  }
}
