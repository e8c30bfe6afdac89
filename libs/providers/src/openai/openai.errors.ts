import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } from 'openai';
import { isUnreachable, kindForStatus, ProviderError, ProviderErrorKind, ProviderFailure, retryAfterMsFrom } from '../errors/provider-error';

interface OpenAIErrorBody {
  message?: unknown;
  type?: unknown;
  code?: unknown;
  param?: unknown;
}

/** The provider error for an HTTP failure, from its status and `{error: {...}}` body field; shared by
 * SDK errors and the error lines of batch error files, which carry the same envelope. */
export function openAIFailureFromHttp(
  status: number,
  body: OpenAIErrorBody | null | undefined,
  providerRequestId: string | null,
  headers?: Headers,
): ProviderFailure {
  const code = stringOrNull(body?.code) ?? stringOrNull(body?.type);
  const message = stringOrNull(body?.message) ?? `OpenAI returned HTTP ${status}`;
  const kind = kindForOpenAI(status, body, message);
  return {
    kind,
    provider: 'openai',
    message,
    status,
    code,
    providerRequestId,
    retryAfterMs: kind === 'rate_limited' ? retryAfterMsFrom(headers) : undefined,
  };
}

function kindForOpenAI(status: number, body: OpenAIErrorBody | null | undefined, message: string): ProviderErrorKind {
  if (body?.code === 'model_not_found') return 'model_unknown';
  if (status === 404 && (body?.param === 'model' || /\bmodel\b/i.test(message))) return 'model_unknown';
  // A 429 for an exhausted quota will not clear by waiting.
  if (status === 429 && body?.code === 'insufficient_quota') return 'auth';
  return kindForStatus(status);
}

/** The one place where errors thrown by the `openai` SDK become ProviderErrors. */
export function mapOpenAIError(error: OpenAIError): ProviderError {
  const cause = { cause: error };
  if (error instanceof APIUserAbortError) {
    return new ProviderError({ kind: 'aborted', provider: 'openai', message: error.message, code: null, providerRequestId: null }, cause);
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError({ kind: 'retryable', provider: 'openai', message: error.message, code: 'timeout', providerRequestId: null }, cause);
  }
  if (error instanceof APIConnectionError) {
    const kind = isUnreachable(error) ? 'provider_down' : 'retryable';
    return new ProviderError({ kind, provider: 'openai', message: error.message, code: 'connection_error', providerRequestId: null }, cause);
  }
  if (error instanceof APIError) {
    // instanceof leaves the class's type parameters `any`; these are their defaults.
    const { status, headers } = error as APIError;
    const body = (error.error ?? undefined) as OpenAIErrorBody | undefined;
    const requestId = error.requestID ?? null;
    if (status !== undefined) {
      return new ProviderError(openAIFailureFromHttp(status, body, requestId, headers), cause);
    }
    // An `error` event inside an HTTP 200 stream: no status, only the body.
    const code = stringOrNull(body?.code) ?? stringOrNull(body?.type);
    const kind: ProviderErrorKind = code === 'rate_limit_exceeded' ? 'rate_limited' : 'retryable';
    return new ProviderError({ kind, provider: 'openai', message: error.message, code, providerRequestId: requestId }, cause);
  }
  // The SDK refused the call before sending it (bad arguments, unparseable response).
  return new ProviderError({ kind: 'invalid_request', provider: 'openai', message: error.message, code: null, providerRequestId: null }, cause);
}

/** Rethrows SDK errors as ProviderErrors; anything else is our own bug and propagates untouched. */
export function rethrowOpenAI(error: unknown): never {
  if (error instanceof OpenAIError) throw mapOpenAIError(error);
  throw error;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
