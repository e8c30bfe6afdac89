export interface WaitForOptions {
  /** How long the condition may take before the wait fails. */
  timeoutMs?: number;
  /** How often the condition is checked. */
  intervalMs?: number;
  /** Named in the error when the deadline passes, so a failing test says what it waited for. */
  description?: string;
}

/**
 * Polls `condition` until it returns a truthy value (which is returned) or the deadline passes,
 * in which case it throws: a test that waits never passes by timing luck, it fails loudly.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 50, description = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`waitFor timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
