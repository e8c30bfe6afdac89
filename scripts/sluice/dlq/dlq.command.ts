import type { ProducerBatch } from '@sluice/kafka';
import { DlqEntry, entryJson, entryName, isReplayable, replayBatches } from '@sluice/kafka';
import { type DlqDisposition, type DlqDispositionsRepository, dlqEntryKey } from '@sluice/ledger';
import type { DlqOptions } from '../cli/sluice.args';
import { formatEntryLine } from './dlq.line';
import { matchesFilter } from './dlq.filter';

export interface DlqPorts {
  /** Every entry of the dead-letter topic up to its current end, in offset order per partition. */
  read(dlqTopic: string, each: (entry: DlqEntry) => void): Promise<void>;
  dispositions: Pick<DlqDispositionsRepository, 'forTopic' | 'settle'>;
  produce(batches: readonly ProducerBatch[]): Promise<void>;
  /** The command's output (stdout). */
  out(line: string): void;
  /** What happened (stderr). */
  note(line: string): void;
}

/** A replaying transaction holds its rows while it produces: small chunks keep that short. */
const SETTLE_CHUNK = 100;

interface Selection {
  entries: DlqEntry[];
  settled: Map<string, DlqDisposition>;
  /** Entries that matched but were settled before, so left out. */
  hidden: number;
}

async function select(options: DlqOptions, ports: DlqPorts): Promise<Selection> {
  const settled = await ports.dispositions.forTopic(options.dlqTopic);
  const entries: DlqEntry[] = [];
  let hidden = 0;
  await ports.read(options.dlqTopic, (entry) => {
    if (!matchesFilter(entry, options.filter)) return;
    if (!options.all && settled.has(dlqEntryKey(entry.partition, entry.offset))) {
      hidden += 1;
      return;
    }
    entries.push(entry);
  });
  entries.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  return { entries: options.limit === undefined ? entries : entries.slice(0, options.limit), settled, hidden };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

function entries(count: number): string {
  return `${count} ${count === 1 ? 'entry' : 'entries'}`;
}

async function list(options: DlqOptions, ports: DlqPorts): Promise<number> {
  const { entries: selected, settled, hidden } = await select(options, ports);
  for (const entry of selected) {
    const disposition = settled.get(dlqEntryKey(entry.partition, entry.offset));
    ports.out(options.json ? JSON.stringify(entryJson(entry, disposition)) : formatEntryLine(entry, disposition));
  }
  const hint = hidden > 0 ? ` (${hidden} replayed or dropped not shown: --all shows them)` : '';
  ports.note(`${entries(selected.length)} on ${options.dlqTopic}${hint}`);
  return 0;
}

async function replay(options: DlqOptions, ports: DlqPorts): Promise<number> {
  const { entries: selected } = await select(options, ports);
  const replayable = selected.filter(isReplayable);
  for (const entry of selected) {
    if (!isReplayable(entry)) ports.note(`cannot replay ${entryName(options.dlqTopic, entry)}: it names no original topic`);
  }
  if (options.dryRun) {
    for (const entry of replayable) ports.out(`would replay ${entryName(options.dlqTopic, entry)} to ${entry.originalTopic}`);
    ports.note(`dry run: ${replayable.length} to replay, nothing done`);
    return 0;
  }
  let replayed = 0;
  for (const chunk of chunks(replayable, SETTLE_CHUNK)) {
    // Recorded and produced together: a failed produce leaves them unrecorded, to be replayed by the next run.
    const claimed = await ports.dispositions.settle(options.dlqTopic, 'replayed', chunk, (mine) => ports.produce(replayBatches(options.dlqTopic, mine)));
    for (const entry of claimed) ports.out(`replayed ${entryName(options.dlqTopic, entry)} to ${entry.originalTopic}`);
    replayed += claimed.length;
  }
  const raced = replayable.length - replayed;
  ports.note(`replayed ${replayed} of ${replayable.length} selected${raced > 0 ? `; ${raced} settled meanwhile by another run` : ''}`);
  return 0;
}

async function drop(options: DlqOptions, ports: DlqPorts): Promise<number> {
  const { entries: selected } = await select(options, ports);
  if (options.dryRun) {
    for (const entry of selected) ports.out(`would drop ${entryName(options.dlqTopic, entry)}`);
    ports.note(`dry run: ${selected.length} to drop, nothing done`);
    return 0;
  }
  let dropped = 0;
  // The ledger keeps the origin for reading without the topic; a record that names none is still droppable.
  const refs = selected.map((entry) => ({ ...entry, originalTopic: entry.originalTopic ?? '' }));
  for (const chunk of chunks(refs, SETTLE_CHUNK)) {
    const claimed = await ports.dispositions.settle(options.dlqTopic, 'dropped', chunk);
    for (const entry of claimed) ports.out(`dropped ${entryName(options.dlqTopic, entry)}`);
    dropped += claimed.length;
  }
  ports.note(`dropped ${dropped} of ${selected.length} selected (they stay on the topic until retention; list and replay skip them)`);
  return 0;
}

/** `sluice dlq list|replay|drop`; returns the exit status. */
export function runDlqCommand(options: DlqOptions, ports: DlqPorts): Promise<number> {
  switch (options.action) {
    case 'list':
      return list(options, ports);
    case 'replay':
      return replay(options, ports);
    case 'drop':
      return drop(options, ports);
  }
}
