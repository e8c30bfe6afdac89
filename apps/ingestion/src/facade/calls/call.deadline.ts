import { parseDuration } from '@sluice/contracts';

/** The header a facade call names its deadline in: a duration from receipt, `200ms`, `30s`, `2m`. */
export const DEADLINE_HEADER = 'x-sluice-deadline';

export type CallDeadline = { ok: true; ms: number } | { ok: false; message: string };

/**
 * How long a synchronous facade call may take: its X-Sluice-Deadline, else the routing policy's
 * default for its tenant and operation. A caller holds its connection open meanwhile, so neither may
 * exceed `maxMs`: a default beyond it (embeddings: a day, for the batch lane) is cut to it, a header
 * beyond it is refused, since a call that asks for hours wants a batch, not a wait.
 */
export function callDeadline(header: string | string[] | undefined, policyDefaultMs: number, maxMs: number): CallDeadline {
  if (header === undefined) return { ok: true, ms: Math.min(policyDefaultMs, maxMs) };
  const text = Array.isArray(header) ? header.join(',') : header.trim();
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    return { ok: false, message: `X-Sluice-Deadline must be a duration such as 200ms, 30s or 2m, not ${JSON.stringify(text.slice(0, 64))}` };
  }
  if (ms > maxMs) {
    return {
      ok: false,
      message: `X-Sluice-Deadline may be at most ${maxMs} ms for a call that waits for its answer; use the batches API for work that can wait longer`,
    };
  }
  return { ok: true, ms };
}
