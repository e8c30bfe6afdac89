import { ErrorCode, FieldError } from '@sluice/contracts';
import type { Logger } from 'pino';

/** Whether the topics requests name as their `replyTo` exist on the cluster. */
export interface ReplyTopics {
  /** Those of `topics` that do not exist; none when that cannot be told. */
  missing(topics: Iterable<string>): Promise<ReadonlySet<string>>;
}

/** Every topic exists: for tests of what comes besides. */
export const ANY_REPLY_TOPIC: ReplyTopics = { missing: () => Promise.resolve(new Set()) };

/**
 * Of `topics`, those not in the cluster's topic list. An unknown list (it could not be read) has
 * none missing: a request is not refused on a guess, and the notifier copes with a missing topic
 * (the copy to `replyTo` is skipped and counted; the result itself is delivered everywhere else).
 */
export function absentTopics(listed: ReadonlySet<string> | undefined, topics: Iterable<string>): Set<string> {
  const absent = new Set<string>();
  if (listed === undefined) return absent;
  for (const topic of topics) if (!listed.has(topic)) absent.add(topic);
  return absent;
}

export function replyToNotFound(replyTo: string): FieldError {
  return {
    code: ErrorCode.REPLY_TO_NOT_FOUND,
    message: `replyTo ${replyTo} does not exist on the cluster: Sluice never creates callers' topics; create it before naming it`,
    field: 'replyTo',
  };
}

/**
 * A batch's items with each one `replyToOf` names a topic for (an item still admitted) refused by
 * `refuse` when that topic does not exist: one look-up for the whole batch, for Kafka, HTTP and job
 * lines alike.
 */
export async function refuseMissingReplyTopics<T>(
  topics: ReplyTopics,
  items: readonly T[],
  replyToOf: (item: T) => string | undefined,
  refuse: (item: T, error: FieldError) => T,
): Promise<T[]> {
  const named = items.flatMap((item) => replyToOf(item) ?? []);
  if (named.length === 0) return [...items];
  const missing = await topics.missing(named);
  return items.map((item) => {
    const replyTo = replyToOf(item);
    return replyTo !== undefined && missing.has(replyTo) ? refuse(item, replyToNotFound(replyTo)) : item;
  });
}

export interface ReplyTopicsSettings {
  /** How often the topic list is read in the background. */
  refreshMs: number;
  /** Least time between two reads prompted by a topic not in the list. */
  recheckGapMs: number;
}

/**
 * The cluster's topic list held in memory: read at start and every `refreshMs`, so checking a
 * request's `replyTo` costs no broker round trip. A batch naming a topic not in the list reads it
 * again first (once for the batch, and batches arriving meanwhile wait for that same read), so a topic
 * created a moment ago is taken; such reads are at most one per `recheckGapMs`, so a stream of
 * made-up names costs the broker one listing per gap, not one per batch.
 *
 * When the list cannot be read (broker trouble), no `replyTo` is refused for not existing until a
 * read succeeds again, and that is logged once: refusing on a stale or empty list would turn away
 * valid requests, while accepting one whose topic is missing costs only the copy to it.
 */
export class ReplyTopicsCache implements ReplyTopics {
  /** Undefined until the first read, and after a failed one. */
  private listed?: ReadonlySet<string>;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private reading?: Promise<void>;
  private unreadableLogged = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly listTopics: () => Promise<string[]>,
    private readonly settings: ReplyTopicsSettings,
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the list once (a failure is logged, not thrown: nothing is refused on it), then keeps it fresh. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.settings.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async missing(topics: Iterable<string>): Promise<ReadonlySet<string>> {
    const absent = absentTopics(this.listed, topics);
    if (absent.size === 0) return absent;
    if (this.reading === undefined && this.now() - this.lastReadAt < this.settings.recheckGapMs) return absent;
    await this.refresh();
    return absentTopics(this.listed, absent);
  }

  /** Reads the list, or joins the read under way. Never fails. */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    this.lastReadAt = this.now();
    try {
      this.listed = new Set(await this.listTopics());
      if (this.unreadableLogged) this.logger.info('the topic list can be read again: replyTo topics that do not exist are refused again');
      this.unreadableLogged = false;
    } catch (error) {
      this.listed = undefined;
      if (!this.unreadableLogged) {
        this.logger.warn({ err: error }, 'the topic list cannot be read: replyTo topics are taken unchecked until it can');
        this.unreadableLogged = true;
      }
    }
  }
}
