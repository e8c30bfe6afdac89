/**
 * Machine-readable reasons, shared by rejections, failures, DLQ headers and HTTP problem bodies.
 * Values equal their names so logs, headers and JSON read the same.
 */
export enum ErrorCode {
  // The message itself
  INVALID_JSON = 'INVALID_JSON',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  MISSING_TENANT = 'MISSING_TENANT',
  INVALID_TENANT = 'INVALID_TENANT',
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MISSING_FIELD = 'MISSING_FIELD',
  INVALID_FIELD = 'INVALID_FIELD',
  UNKNOWN_FIELD = 'UNKNOWN_FIELD',
  DUPLICATE_ID_CONFLICT = 'DUPLICATE_ID_CONFLICT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  /** A request for a tenant from an intake topic the tenant is not bound to. */
  TENANT_NOT_BOUND = 'TENANT_NOT_BOUND',
  TENANT_DISABLED = 'TENANT_DISABLED',
  /** A `replyTo` outside the tenant's allowed prefixes. */
  REPLY_TO_NOT_ALLOWED = 'REPLY_TO_NOT_ALLOWED',
  /** A `replyTo` naming a topic that does not exist on the cluster: Sluice never creates callers' topics. */
  REPLY_TO_NOT_FOUND = 'REPLY_TO_NOT_FOUND',
  /** A message on one of Sluice's own topics without, or with a wrong, signature of its services. */
  SIGNATURE_MISSING = 'SIGNATURE_MISSING',
  SIGNATURE_INVALID = 'SIGNATURE_INVALID',
  // Policy and routing
  MODEL_UNKNOWN = 'MODEL_UNKNOWN',
  LANE_NOT_ALLOWED = 'LANE_NOT_ALLOWED',
  BUDGET_EXCEEDED = 'BUDGET_EXCEEDED',
  DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED',
  // Providers
  PROVIDER_RATE_LIMITED = 'PROVIDER_RATE_LIMITED',
  PROVIDER_UNAVAILABLE = 'PROVIDER_UNAVAILABLE',
  PROVIDER_TIMEOUT = 'PROVIDER_TIMEOUT',
  PROVIDER_INVALID_REQUEST = 'PROVIDER_INVALID_REQUEST',
  PROVIDER_AUTH = 'PROVIDER_AUTH',
  PROVIDER_ERROR = 'PROVIDER_ERROR',
  BATCH_EXPIRED = 'BATCH_EXPIRED',
  BATCH_CANCELLED = 'BATCH_CANCELLED',
  // Ours
  HANDLER_FAILED = 'HANDLER_FAILED',
  RETRIES_EXHAUSTED = 'RETRIES_EXHAUSTED',
  INTERNAL = 'INTERNAL',
}

export const ALL_ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.values(ErrorCode));
