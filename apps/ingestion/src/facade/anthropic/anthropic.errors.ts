import type { CallAnswer } from '../calls/facade-calls.handler';
import { failureStatus } from '../calls/failure.status';

/** Anthropic's error body. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

export interface AnthropicFailure {
  status: number;
  type: string;
  message: string;
}

const TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'request_too_large',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
};

/** A Sluice code and message as Anthropic would have answered them; the field, which Anthropic's shape has no place for, leads the message. */
export function anthropicFailure(code: string, message: string, options: { status?: number; field?: string } = {}): AnthropicFailure {
  const status = options.status ?? failureStatus(code);
  const field = options.field === undefined || options.field === '' ? '' : `${options.field.replace(/^body\./, '')}: `;
  return { status, type: TYPES[status] ?? 'api_error', message: message.startsWith(field) ? message : `${field}${message}` };
}

export function anthropicErrorBody(failure: AnthropicFailure, requestId: string): AnthropicErrorBody {
  return { type: 'error', error: { type: failure.type, message: failure.message }, request_id: requestId };
}

/** Every way a facade call can end other than with an answer, in Anthropic's terms. */
export function anthropicFailureOf(answer: Exclude<CallAnswer, { kind: 'answered' }>): AnthropicFailure {
  switch (answer.kind) {
    case 'refused':
      return anthropicFailure(answer.error.code, answer.error.message, { status: failureStatus(answer.error.code, answer.status), field: answer.error.field });
    case 'failed':
      return anthropicFailure(answer.error.code, answer.error.message);
    case 'timed-out':
      return anthropicFailure(
        'TIMEOUT',
        `no answer within ${answer.waitedMs} ms; the request ${answer.requestId} goes on (GET /v1/requests/${answer.requestId})`,
      );
    case 'unavailable':
      return anthropicFailure('INTERNAL', answer.message, { status: 503 });
  }
}
