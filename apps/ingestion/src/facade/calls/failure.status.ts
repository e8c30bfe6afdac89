/**
 * The HTTP status a provider would have answered for what a Sluice request ended with: its
 * refusal or failure code. The facades write it in their provider's error shape.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TENANT_DISABLED: 403,
  NOT_FOUND: 404,
  MODEL_UNKNOWN: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  BUDGET_EXCEEDED: 429,
  PROVIDER_RATE_LIMITED: 429,
  PROVIDER_INVALID_REQUEST: 400,
  LANE_NOT_ALLOWED: 400,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_FIELD: 400,
  MISSING_FIELD: 400,
  UNKNOWN_FIELD: 400,
  // The provider did not answer in time, or not at all: a gateway's failure, not the caller's.
  DEADLINE_EXCEEDED: 504,
  PROVIDER_TIMEOUT: 504,
  TIMEOUT: 504,
  PROVIDER_UNAVAILABLE: 502,
  PROVIDER_AUTH: 502,
  PROVIDER_ERROR: 502,
};

/** The status for a code, `fallback` (else 500) for a code with none of its own. */
export function failureStatus(code: string, fallback = 500): number {
  return STATUS_BY_CODE[code] ?? fallback;
}

/** A request field as the provider's body names it: Sluice's `body.messages.0` is the caller's `messages.0`. */
export function providerParam(field: string | undefined): string | null {
  if (field === undefined || field === '') return null;
  return field.startsWith('body.') ? field.slice('body.'.length) : field;
}
