/** Thrown by a handler for a message that can never succeed: it is dead-lettered at once under `code`. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';

  constructor(
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}
