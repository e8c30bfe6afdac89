import { AttemptResult, parseRetryAfter } from './webhook.retry-policy';

export interface WebhookPost {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export type WebhookPoster = (post: WebhookPost) => Promise<AttemptResult>;

/** Enough of a refusal's body to tell "wrong secret" from "wrong URL" in the ledger, not a whole error page. */
const DETAIL_LIMIT = 256;

/** One POST with Node's fetch. Redirects are not followed (see isPermanentRefusal). */
export const postWebhook: WebhookPoster = async ({ url, body, headers, timeoutMs }) => {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'sluice-webhooks/1', ...headers },
      redirect: 'manual',
      signal,
    });
    const ok = response.status >= 200 && response.status < 300;
    const detail = ok ? undefined : await readDetail(response);
    if (ok) await response.body?.cancel();
    return { kind: 'response', status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), new Date()), detail };
  } catch (error) {
    if (signal.aborted) return { kind: 'error', error: `no response within ${timeoutMs} ms` };
    return { kind: 'error', error: describeFetchError(error) };
  }
};

async function readDetail(response: Response): Promise<string | undefined> {
  try {
    const text = (await response.text()).trim();
    return text === '' ? undefined : text.slice(0, DETAIL_LIMIT);
  } catch {
    return undefined;
  }
}

/** fetch reports every network failure as "fetch failed"; the reason (ECONNREFUSED, a TLS error) is its cause. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}
