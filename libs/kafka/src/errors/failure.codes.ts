/** Dead-letter reasons the runner itself assigns (a NonRetryableError brings its own code). */
export const FailureCode = {
  EmptyValue: 'EMPTY_VALUE',
  InvalidJson: 'INVALID_JSON',
  ValidationFailed: 'VALIDATION_FAILED',
  RetriesExhausted: 'RETRIES_EXHAUSTED',
  UnexpectedError: 'UNEXPECTED_ERROR',
  DependencyUnavailable: 'DEPENDENCY_UNAVAILABLE',
  /** A message on a topic only Sluice's services may produce to, without their signature. */
  SignatureMissing: 'SIGNATURE_MISSING',
  /** A message whose signature does not match it (forged, altered, or signed with another key). */
  SignatureInvalid: 'SIGNATURE_INVALID',
} as const;
