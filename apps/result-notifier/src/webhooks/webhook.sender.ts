import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { webhookAddressProblem, webhookUrlProblem, type WebhookDestinationPolicy } from './webhook-destination.policy';
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

/** The error a guarded lookup fails the connection with; its message is the refusal recorded. */
class DestinationRefusedError extends Error {
  readonly code = 'EWEBHOOKDESTINATION';
}

/** Every address of a name, as dns.lookup with `all` gives them. */
export type Resolver = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * Resolves like dns.lookup but drops addresses the policy refuses, failing when none is left. The
 * connection then goes to an address that was checked, on every attempt: a name that resolved to a
 * public address at ingestion and to 127.0.0.1 now (DNS rebinding) is refused, not followed.
 */
function guardedLookup(policy: WebhookDestinationPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    const all = (options as LookupAllOptions).all === true;
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, all ? [] : '', undefined);
      const problems: string[] = [];
      const allowed = addresses.filter(({ address, family }) => {
        const problem = webhookAddressProblem(policy, hostname, address, family);
        if (problem !== undefined) problems.push(problem);
        return problem === undefined;
      });
      if (allowed.length === 0) return callback(new DestinationRefusedError(problems[0] ?? `${hostname} has no address`), all ? [] : '', undefined);
      if (all) return callback(null, allowed);
      const first = allowed[0]!;
      return (callback as (err: null, address: string, family: number) => void)(null, first.address, first.family);
    });
  };
}

interface Reply {
  status: number;
  retryAfter: string | null;
  detail?: string;
}

/** Reads at most DETAIL_LIMIT bytes of a refusal's body and drops the rest: a receiver cannot make us buffer megabytes. */
function readReply(response: IncomingMessage, ok: boolean): Promise<Reply> {
  const status = response.statusCode ?? 0;
  const retryAfter = typeof response.headers['retry-after'] === 'string' ? response.headers['retry-after'] : null;
  if (ok) {
    response.destroy();
    return Promise.resolve({ status, retryAfter });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      const text = Buffer.concat(chunks).toString('utf8').slice(0, DETAIL_LIMIT).trim();
      resolve({ status, retryAfter, detail: text === '' ? undefined : text });
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= DETAIL_LIMIT) {
        response.destroy();
        done();
      }
    });
    response.on('end', done);
    response.on('error', done);
    response.on('aborted', done);
  });
}

/**
 * POSTs webhooks, refusing destinations the policy does not allow: the URL before anything is sent,
 * the resolved addresses at connect time. Redirects are not followed (see isPermanentRefusal).
 */
export function webhookPoster(policy: WebhookDestinationPolicy, resolve: Resolver = systemResolver): WebhookPoster {
  const lookup = guardedLookup(policy, resolve);
  return ({ url, body, headers, timeoutMs }) => {
    const problem = webhookUrlProblem(policy, url);
    if (problem !== undefined) return Promise.resolve({ kind: 'refused', error: `webhook.url ${problem}` });
    const target = new URL(url);
    const signal = AbortSignal.timeout(timeoutMs);
    const options: RequestOptions = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'sluice-webhooks/1', ...headers },
      lookup,
      signal,
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<AttemptResult>((resolve) => {
      const request = send(target, options, (response) => {
        const status = response.statusCode ?? 0;
        void readReply(response, status >= 200 && status < 300).then((reply) =>
          resolve({ kind: 'response', status: reply.status, retryAfterMs: parseRetryAfter(reply.retryAfter, new Date()), detail: reply.detail }),
        );
      });
      request.on('error', (error) => {
        if (error instanceof DestinationRefusedError) resolve({ kind: 'refused', error: `webhook.url ${error.message}` });
        else if (signal.aborted) resolve({ kind: 'error', error: `no response within ${timeoutMs} ms` });
        else resolve({ kind: 'error', error: describeError(error) });
      });
      request.end(body);
    });
  };
}

function describeError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
