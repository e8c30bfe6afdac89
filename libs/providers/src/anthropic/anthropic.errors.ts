import { AnthropicError, APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { isUnreachable, kindForStatus, ProviderError, ProviderErrorKind, ProviderFailure, retryAfterMsFrom } from '../errors/provider-error';

/** Anthropic's error envelope: `{type: "error", error: {type, message, details?}, request_id}`. */
export interface AnthropicErrorEnvelope {
  type?: unknown;
  error?: { type?: unknown; message?: unknown; details?: { error_code?: unknown } | null } | null;
  request_id?: unknown;
}

// For failures that carry an error type but no HTTP status: stream `error` events and errored batch lines.
const KIND_BY_TYPE: Readonly<Record<string, ProviderErrorKind>> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'auth',
  billing_error: 'auth',
  permission_error: 'auth',
  not_found_error: 'invalid_request',
  request_too_large: 'invalid_request',
  rate_limit_error: 'rate_limited',
  timeout_error: 'retryable',
  api_error: 'retryable',
  overloaded_error: 'provider_down',
};

/** The provider error for an Anthropic failure, with or without an HTTP status. */
export function anthropicFailure(
  status: number | undefined,
  envelope: AnthropicErrorEnvelope | null | undefined,
  providerRequestId: string | null,
  headers?: Headers,
): ProviderFailure {
  const type = stringOrNull(envelope?.error?.type);
  const errorCode = stringOrNull(envelope?.error?.details?.error_code);
  const message = stringOrNull(envelope?.error?.message) ?? (status ? `Anthropic returned HTTP ${status}` : 'Anthropic error');
  const kind = kindForAnthropic(status, type, errorCode, message);
  return {
    kind,
    provider: 'anthropic',
    message,
    status,
    code: errorCode ?? type,
    providerRequestId: providerRequestId ?? stringOrNull(envelope?.request_id),
    retryAfterMs: kind === 'rate_limited' ? retryAfterMsFrom(headers) : undefined,
  };
}

function kindForAnthropic(status: number | undefined, type: string | null, errorCode: string | null, message: string): ProviderErrorKind {
  if (errorCode === 'model_not_found') return 'model_unknown';
  // Anthropic names an unknown model as `not_found_error` "model: <name>".
  if ((status === 404 || type === 'not_found_error') && /\bmodel\b/i.test(message)) return 'model_unknown';
  if (status !== undefined) return kindForStatus(status);
  return (type && KIND_BY_TYPE[type]) || 'retryable';
}

/** The one place where errors thrown by `@anthropic-ai/sdk` become ProviderErrors. */
export function mapAnthropicError(error: AnthropicError): ProviderError {
  const cause = { cause: error };
  if (error instanceof APIUserAbortError) {
    return new ProviderError({ kind: 'aborted', provider: 'anthropic', message: error.message, code: null, providerRequestId: null }, cause);
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError({ kind: 'retryable', provider: 'anthropic', message: error.message, code: 'timeout', providerRequestId: null }, cause);
  }
  if (error instanceof APIConnectionError) {
    const kind = isUnreachable(error) ? 'provider_down' : 'retryable';
    return new ProviderError({ kind, provider: 'anthropic', message: error.message, code: 'connection_error', providerRequestId: null }, cause);
  }
  if (error instanceof APIError) {
    // instanceof leaves the class's type parameters `any`; these are their defaults.
    const { status, headers } = error as APIError;
    const envelope = (error.error ?? undefined) as AnthropicErrorEnvelope | undefined;
    return new ProviderError(anthropicFailure(status, envelope, error.requestID ?? null, headers), cause);
  }
  // The SDK refused the call before sending it (bad arguments, the non-streaming duration guard).
  return new ProviderError({ kind: 'invalid_request', provider: 'anthropic', message: error.message, code: null, providerRequestId: null }, cause);
}

/** Rethrows SDK errors as ProviderErrors; anything else is our own bug and propagates untouched. */
export function rethrowAnthropic(error: unknown): never {
  if (error instanceof AnthropicError) throw mapAnthropicError(error);
  throw error;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
