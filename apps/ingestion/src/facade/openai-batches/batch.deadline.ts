import { isInstant, parseDuration } from '@sluice/contracts';

// OpenAI's only completion window.
const WINDOW_MS = 24 * 3_600_000;

/** The batch's deadline: metadata.sluice_deadline (a duration from creation, or an instant), else the completion window. */
export function deadlineOf(sluiceDeadline: string | undefined, createdAt: Date): Date | undefined {
  if (sluiceDeadline === undefined) return new Date(createdAt.getTime() + WINDOW_MS);
  if (isInstant(sluiceDeadline)) return new Date(sluiceDeadline);
  const ms = parseDuration(sluiceDeadline);
  return ms === undefined || ms <= 0 ? undefined : new Date(createdAt.getTime() + ms);
}
