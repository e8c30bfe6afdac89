import { ErrorCode, FieldError } from '@sluice/contracts';
import { DlqEntry, DlqEntryJson, entryJson, isReplayable, ProducerBatch, replayBatches } from '@sluice/kafka';
import { type DlqDisposition, type DlqDispositionsRepository, dlqEntryKey } from '@sluice/ledger';
import type { ConsoleScope } from './console.scope';

export interface DeadLetterPorts {
  /** Every entry of the dead-letter topic up to its current end. */
  read(dlqTopic: string, each: (entry: DlqEntry) => void): Promise<void>;
  dispositions: Pick<DlqDispositionsRepository, 'forTopic' | 'settle'>;
  produce(batches: readonly ProducerBatch[]): Promise<void>;
}

/** An entry as the console shows it: entryJson without the key and value, which may hold a tenant's data. */
export type DeadLetterView = Omit<DlqEntryJson, 'key' | 'value'>;

export interface EntryRef {
  partition: number;
  offset: string;
}

export type DeadLetterAction = 'replay' | 'drop';

/** The entries a replay or drop names: `{ entries: [{ partition, offset }] }`, at most MAX_ACTED. */
export function parseEntryRefs(body: unknown): { ok: true; refs: EntryRef[] } | { ok: false; error: FieldError } {
  const entries = (body as { entries?: unknown } | null)?.entries;
  const invalid = (message: string) => ({ ok: false as const, error: { code: ErrorCode.INVALID_FIELD, message, field: 'entries' } });
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ACTED) return invalid(`entries must be a list of 1 to ${MAX_ACTED} entries`);
  const refs: EntryRef[] = [];
  for (const entry of entries as unknown[]) {
    const { partition, offset } = (entry ?? {}) as Record<string, unknown>;
    if (!Number.isInteger(partition) || (partition as number) < 0 || typeof offset !== 'string' || !/^\d{1,20}$/.test(offset)) {
      return invalid('each entry must be { partition: a whole number, offset: decimal digits }');
    }
    refs.push({ partition: partition as number, offset });
  }
  return { ok: true, refs };
}

/** Most entries one replay or drop acts on: one settling transaction, kept short. */
export const MAX_ACTED = 100;

/**
 * The dead-letter queue for the console, as `sluice dlq` reads it (the topic, and the ledger's record
 * of what was replayed or dropped), in the key's scope: a tenant sees the entries whose value names
 * it; an operator sees every entry and may replay or drop them.
 */
export class DeadLettersHandler {
  constructor(
    private readonly dlqTopic: string,
    private readonly ports: DeadLetterPorts,
  ) {}

  /** The newest `limit` entries of the scope, with what was done with each. */
  async list(scope: ConsoleScope, limit: number): Promise<{ topic: string; entries: DeadLetterView[]; total: number }> {
    const [settled, entries] = await Promise.all([this.ports.dispositions.forTopic(this.dlqTopic), this.inScope(scope)]);
    entries.sort((a, b) => b.timestampMs - a.timestampMs || b.partition - a.partition || (BigInt(b.offset) > BigInt(a.offset) ? 1 : -1));
    return {
      topic: this.dlqTopic,
      total: entries.length,
      entries: entries.slice(0, limit).map((entry) => {
        const { key: _key, value: _value, ...view } = entryJson(entry, settled.get(dlqEntryKey(entry.partition, entry.offset)));
        return view;
      }),
    };
  }

  /**
   * Replays (back to the original topic) or drops the named entries no one settled before; recorded and
   * produced in one transaction, as `sluice dlq replay` does. Resolves with the entries acted on.
   */
  async act(action: DeadLetterAction, refs: readonly EntryRef[]): Promise<EntryRef[]> {
    const wanted = new Set(refs.map((ref) => dlqEntryKey(ref.partition, ref.offset)));
    const found: DlqEntry[] = [];
    await this.ports.read(this.dlqTopic, (entry) => {
      if (wanted.has(dlqEntryKey(entry.partition, entry.offset))) found.push(entry);
    });
    const disposition: DlqDisposition = action === 'replay' ? 'replayed' : 'dropped';
    const claimed =
      action === 'replay'
        ? await this.ports.dispositions.settle(this.dlqTopic, disposition, found.filter(isReplayable), (mine) =>
            this.ports.produce(replayBatches(this.dlqTopic, mine)),
          )
        : await this.ports.dispositions.settle(
            this.dlqTopic,
            disposition,
            found.map((entry) => ({ ...entry, originalTopic: entry.originalTopic ?? '' })),
          );
    return claimed.map(({ partition, offset }) => ({ partition, offset }));
  }

  private async inScope(scope: ConsoleScope): Promise<DlqEntry[]> {
    const entries: DlqEntry[] = [];
    await this.ports.read(this.dlqTopic, (entry) => {
      if (scope.tenant === null || entry.tenant === scope.tenant) entries.push(entry);
    });
    return entries;
  }
}
