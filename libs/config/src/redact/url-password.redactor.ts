const REDACTED = '***';

/**
 * Masks the password of a connection URL (`postgres://user:secret@host/db` → `postgres://user:***@host/db`)
 * so the URL can still be logged or shown in an error: which host and database is often exactly what an
 * operator needs to see. A value that does not parse as a URL is not logged at all.
 */
export function redactUrlPassword(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '[redacted]';
  }
  if (!url.password) return value;
  url.password = REDACTED;
  return url.toString();
}
