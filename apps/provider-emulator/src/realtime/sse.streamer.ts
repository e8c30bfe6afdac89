import type { FastifyReply } from 'fastify';
import { SSE_TYPE } from '../http/reply.writer';
import type { BehaviourProfile } from '../profiles/behaviour.profile';

export interface SseFrames {
  /** Sent once the first token is "ready" (after time to first token). */
  head: string;
  /** One frame per token, paced at the profile's tokens per second. */
  tokens: readonly string[];
  tail: string;
}

// Timers finer than this only burn CPU; faster streams send several tokens per tick instead.
const MIN_TICK_MS = 10;

/**
 * Writes an SSE response paced like a model generating tokens. Resolves true when the whole
 * stream was written, false when the client went away first.
 */
export function streamSse(reply: FastifyReply, frames: SseFrames, latency: BehaviourProfile['latency'], headers: Record<string, string>): Promise<boolean> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { ...headers, 'content-type': SSE_TYPE, 'cache-control': 'no-cache', connection: 'keep-alive' });
  if (latency.ttftMs === 0 && latency.tokensPerSecond === 0) {
    res.end(frames.head + frames.tokens.join('') + frames.tail);
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    res.once('close', () => {
      closed = true;
      if (timer) clearTimeout(timer);
      resolve(res.writableFinished);
    });
    const tokens = frames.tokens;
    let sent = 0;
    let startedAt = 0;
    const finish = (): void => {
      res.end(frames.tail, () => resolve(true));
    };
    const tick = (): void => {
      if (closed) return;
      const due =
        latency.tokensPerSecond > 0 ? Math.min(tokens.length, Math.floor(((Date.now() - startedAt) * latency.tokensPerSecond) / 1000) + 1) : tokens.length;
      if (due > sent) {
        res.write(tokens.slice(sent, due).join(''));
        sent = due;
      }
      if (sent >= tokens.length) return finish();
      const nextDueIn = (sent * 1000) / latency.tokensPerSecond - (Date.now() - startedAt);
      timer = setTimeout(tick, Math.max(MIN_TICK_MS, nextDueIn));
    };
    timer = setTimeout(() => {
      if (closed) return;
      startedAt = Date.now();
      res.write(frames.head);
      tick();
    }, latency.ttftMs);
  });
}
