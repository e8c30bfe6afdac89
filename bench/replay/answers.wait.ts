import { setTimeout as sleep } from 'node:timers/promises';

export interface AnswersWait {
  /** How many of the replay's requests have a booked result now. */
  answered: () => Promise<number>;
  total: number;
  /** Give up at this instant (ms since the epoch), whatever is still missing. */
  untilMs: number;
  onAnswered?: (answered: number) => void;
  intervalMs?: number;
}

/** Polls the ledger until every request has a result or the wait ends; returns how many have one. */
export async function awaitAnswers(wait: AnswersWait): Promise<number> {
  for (;;) {
    const answered = await wait.answered();
    wait.onAnswered?.(answered);
    if (answered >= wait.total || Date.now() >= wait.untilMs) return answered;
    await sleep(Math.min(wait.intervalMs ?? 500, Math.max(0, wait.untilMs - Date.now())));
  }
}
