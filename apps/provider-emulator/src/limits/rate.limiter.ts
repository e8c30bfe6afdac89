export interface LimitCheck {
  allowed: boolean;
  /** When denied: how long until the request would fit. */
  retryAfterMs: number;
  /** Which limit denied it. */
  exceeded: 'requests' | 'tokens' | null;
  requests: BucketState | null;
  tokens: BucketState | null;
}

export interface BucketState {
  limit: number;
  remaining: number;
  /** Time until the bucket is full again. */
  resetMs: number;
}

interface Bucket {
  available: number;
  updatedAt: number;
}

/**
 * Per-minute request and token limits per API key and model, as token buckets that refill
 * continuously: a limit of 60 RPM admits a burst of 60, then one request a second.
 */
export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  check(apiKey: string, model: string, rpm: number, tpm: number, tokens: number, now: number = Date.now()): LimitCheck {
    const requestBucket = rpm > 0 ? this.refill(`r\u0000${apiKey}\u0000${model}`, rpm, now) : null;
    const tokenBucket = tpm > 0 ? this.refill(`t\u0000${apiKey}\u0000${model}`, tpm, now) : null;
    // A request larger than the whole minute's budget could never pass; count it as a full bucket.
    const tokenCost = Math.min(tokens, tpm);
    let exceeded: LimitCheck['exceeded'] = null;
    let retryAfterMs = 0;
    if (requestBucket && requestBucket.available < 1) {
      exceeded = 'requests';
      retryAfterMs = ((1 - requestBucket.available) * 60_000) / rpm;
    }
    if (tokenBucket && tokenBucket.available < tokenCost) {
      const wait = ((tokenCost - tokenBucket.available) * 60_000) / tpm;
      if (wait > retryAfterMs) {
        exceeded = 'tokens';
        retryAfterMs = wait;
      }
    }
    if (exceeded === null) {
      if (requestBucket) requestBucket.available -= 1;
      if (tokenBucket) tokenBucket.available -= tokenCost;
    }
    return {
      allowed: exceeded === null,
      retryAfterMs: Math.ceil(retryAfterMs),
      exceeded,
      requests: requestBucket && state(requestBucket, rpm),
      tokens: tokenBucket && state(tokenBucket, tpm),
    };
  }

  reset(): void {
    this.buckets.clear();
  }

  private refill(key: string, perMinute: number, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { available: perMinute, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    bucket.available = Math.min(perMinute, bucket.available + ((now - bucket.updatedAt) * perMinute) / 60_000);
    bucket.updatedAt = now;
    return bucket;
  }
}

function state(bucket: Bucket, limit: number): BucketState {
  return {
    limit,
    remaining: Math.max(0, Math.floor(bucket.available)),
    resetMs: Math.ceil(((limit - bucket.available) * 60_000) / limit),
  };
}
