export type Protocol = 'openai' | 'anthropic' | 'emulator';

export interface ErrorSpec {
  status: number;
  message: string;
  /** OpenAI `param`. */
  param?: string | null;
  /** OpenAI `code`. */
  code?: string | null;
  /** Overrides the OpenAI `type` derived from the status (429s say `requests` or `tokens`). */
  openaiType?: string;
  headers?: Record<string, string>;
}

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'invalid_request_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'requests',
};

const ANTHROPIC_TYPES: Record<number, string> = {
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
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** A failure answered in the calling protocol's own error shape. */
export class EmulatorError extends Error {
  constructor(readonly spec: ErrorSpec) {
    super(spec.message);
  }

  get status(): number {
    return this.spec.status;
  }
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): EmulatorError {
  return new EmulatorError({ status: 400, message, param, code });
}

export function notFound(message: string, code: string | null = null, param: string | null = null): EmulatorError {
  return new EmulatorError({ status: 404, message, code, param });
}

export function serverError(): EmulatorError {
  return new EmulatorError({
    status: 500,
    message: 'The server had an error while processing your request. Sorry about that!',
    openaiType: 'server_error',
  });
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

export function openaiErrorBody(spec: ErrorSpec): OpenAIErrorBody {
  return {
    error: {
      message: spec.message,
      type: spec.openaiType ?? OPENAI_TYPES[spec.status] ?? 'server_error',
      param: spec.param ?? null,
      code: spec.code ?? null,
    },
  };
}

export function anthropicErrorBody(spec: ErrorSpec, requestId: string): AnthropicErrorBody {
  return {
    type: 'error',
    error: { type: ANTHROPIC_TYPES[spec.status] ?? 'api_error', message: spec.message },
    request_id: requestId,
  };
}

/** Which protocol a path speaks, so that even routing errors come back in the caller's shape. */
export function protocolOf(path: string): Protocol {
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/v1/')) return 'openai';
  return 'emulator';
}
