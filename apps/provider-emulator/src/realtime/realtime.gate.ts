import type { FastifyReply } from 'fastify';
import type { FaultInjector } from '../faults/fault.injector';
import { EmulatorError, Protocol, serverError } from '../http/emulator.error';
import type { HeldConnections } from '../http/held.connections';
import { anthropicRateLimitHeaders, openaiRateLimitHeaders, retryHeaders } from '../limits/rate-limit.headers';
import type { RateLimiter } from '../limits/rate.limiter';
import type { BehaviourProfile } from '../profiles/behaviour.profile';
import type { ProfileRegistry } from '../profiles/profile.registry';

export type Admission = { held: true } | { held: false; profile: BehaviourProfile; headers: Record<string, string> };

/**
 * What stands between a valid realtime request and its answer, in the providers' order: injected
 * faults, then the rate limits. Throws the provider's 429/500, holds the connection for a timeout
 * fault, or admits the request with the rate-limit headers its answer must carry.
 */
export class RealtimeGate {
  constructor(
    private readonly profiles: ProfileRegistry,
    private readonly faults: FaultInjector,
    private readonly limiter: RateLimiter,
    private readonly heldConnections: HeldConnections,
  ) {}

  admit(protocol: Protocol, apiKey: string, model: string, estimatedTokens: number, reply: FastifyReply): Admission {
    const profile = this.profiles.forModel(model);
    const fault = this.faults.draw(model, profile.faults, this.profiles.getSeed());
    if (fault === 'timeout') {
      reply.hijack();
      this.heldConnections.hold(reply.raw.socket as NonNullable<typeof reply.raw.socket>, profile.faults.timeoutMs);
      return { held: true };
    }
    if (fault === '500') throw serverError();
    if (fault === '429') {
      throw new EmulatorError({
        status: 429,
        message:
          protocol === 'anthropic'
            ? 'Number of request tokens has exceeded your per-minute rate limit (injected by the emulator profile).'
            : `Rate limit reached for ${model} (injected by the emulator profile). Please try again later.`,
        code: 'rate_limit_exceeded',
        headers: retryHeaders(profile.faults.retryAfterMs),
      });
    }
    const { rpm, tpm } = profile.limits;
    if (rpm === 0 && tpm === 0) return { held: false, profile, headers: {} };
    const check = this.limiter.check(apiKey, model, rpm, tpm, estimatedTokens);
    const headers = protocol === 'anthropic' ? anthropicRateLimitHeaders(check) : openaiRateLimitHeaders(check);
    if (!check.allowed) {
      const per = check.exceeded === 'tokens' ? `tokens per min (TPM): Limit ${tpm}` : `requests per min (RPM): Limit ${rpm}`;
      throw new EmulatorError({
        status: 429,
        message:
          protocol === 'anthropic'
            ? `This request would exceed the rate limit for your organization of ${check.exceeded === 'tokens' ? `${tpm} tokens` : `${rpm} requests`} per minute.`
            : `Rate limit reached for ${model} on ${per}. Please try again in ${(check.retryAfterMs / 1000).toFixed(3)}s.`,
        code: 'rate_limit_exceeded',
        openaiType: check.exceeded ?? 'requests',
        headers: { ...headers, ...retryHeaders(check.retryAfterMs) },
      });
    }
    return { held: false, profile, headers };
  }
}

/** How long a non-streamed reply of `outputTokens` takes under the profile's latency. */
export function generationDelayMs(latency: BehaviourProfile['latency'], outputTokens: number): number {
  const generation = latency.tokensPerSecond > 0 ? (outputTokens * 1000) / latency.tokensPerSecond : 0;
  return latency.ttftMs + generation;
}
