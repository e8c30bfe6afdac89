import type { CallAnswer } from '../calls/facade-calls.handler';
import { failureStatus, providerParam } from '../calls/failure.status';

/** OpenAI's error body: all four fields are always there. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIFailure {
  status: number;
  body: OpenAIErrorBody;
}

const TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'invalid_request_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'requests',
};

// OpenAI's own codes where it has one for the same thing; otherwise Sluice's code, in OpenAI's case.
const CODES: Readonly<Record<string, string>> = {
  UNAUTHENTICATED: 'invalid_api_key',
  MODEL_UNKNOWN: 'model_not_found',
  RATE_LIMITED: 'rate_limit_exceeded',
  PROVIDER_RATE_LIMITED: 'rate_limit_exceeded',
};

/** A Sluice code and message as OpenAI would have answered them. */
export function openAIFailure(code: string, message: string, options: { status?: number; field?: string } = {}): OpenAIFailure {
  const status = options.status ?? failureStatus(code);
  return {
    status,
    body: {
      error: {
        message,
        type: TYPES[status] ?? 'server_error',
        param: providerParam(options.field),
        code: CODES[code] ?? code.toLowerCase(),
      },
    },
  };
}

/** Every way a facade call can end other than with an answer, in OpenAI's shape. */
export function openAIFailureOf(answer: Exclude<CallAnswer, { kind: 'answered' }>): OpenAIFailure {
  switch (answer.kind) {
    case 'refused':
      return openAIFailure(answer.error.code, answer.error.message, { status: failureStatus(answer.error.code, answer.status), field: answer.error.field });
    case 'failed':
      return openAIFailure(answer.error.code, answer.error.message);
    case 'timed-out':
      return openAIFailure('TIMEOUT', `no answer within ${answer.waitedMs} ms; the request ${answer.requestId} goes on (GET /v1/requests/${answer.requestId})`);
    case 'unavailable':
      return openAIFailure('INTERNAL', answer.message, { status: 503 });
  }
}
