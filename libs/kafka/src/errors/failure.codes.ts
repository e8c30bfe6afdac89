/** Dead-letter reasons the runner itself assigns (a NonRetryableError brings its own code). */
export const FailureCode = {
  EmptyValue: 'EMPTY_VALUE',
  InvalidJson: 'INVALID_JSON',
  ValidationFailed: 'VALIDATION_FAILED',
  RetriesExhausted: 'RETRIES_EXHAUSTED',
  UnexpectedError: 'UNEXPECTED_ERROR',
  DependencyUnavailable: 'DEPENDENCY_UNAVAILABLE',
} as const;
