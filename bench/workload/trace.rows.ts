/**
 * Rows of the Azure LLM inference trace 2023 (Splitwise, ISCA 2024): one request each, with its
 * invocation time and the token counts it had. Two files: coding assistant traffic and conversation.
 */
export type TraceSource = 'code' | 'conv';
export const TRACE_SOURCES: readonly TraceSource[] = ['code', 'conv'];

export interface TraceRow {
  source: TraceSource;
  /** 0-based position among the data rows of its file: with the source, what names the row. */
  index: number;
  /** Invocation time, ms since the epoch (the trace gives no zone; only differences are used). */
  atMs: number;
  contextTokens: number;
  generatedTokens: number;
}

export const TRACE_HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** `2023-11-16 18:17:03.9799600` as ms since the epoch, read as UTC, sub-millisecond digits kept as a fraction. */
export function parseTraceTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '0'] = match;
  const wholeMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return wholeMs + Number(`0.${fraction}`) * 1000;
}

export class TraceFormatError extends Error {}

function count(text: string | undefined, what: string, where: string): number {
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new TraceFormatError(`${where}: ${what} must be a whole number of tokens, got "${text ?? ''}"`);
  }
  return value;
}

/** Parses one trace file (header line, then `TIMESTAMP,ContextTokens,GeneratedTokens` rows); a bad line fails naming it. */
export function parseTraceCsv(text: string, source: TraceSource, fileName: string = source): TraceRow[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.replace(/^\uFEFF/, '').trim() !== TRACE_HEADER) {
    throw new TraceFormatError(`${fileName}: the first line must be "${TRACE_HEADER}"`);
  }
  const rows: TraceRow[] = [];
  for (let line = 1; line < lines.length; line += 1) {
    const raw = (lines[line] as string).trim();
    if (raw === '') continue;
    const where = `${fileName} line ${line + 1}`;
    const [timestamp, context, generated, ...rest] = raw.split(',');
    if (rest.length > 0) throw new TraceFormatError(`${where}: expected 3 columns, got ${rest.length + 3}`);
    const atMs = parseTraceTimestamp(timestamp ?? '');
    if (atMs === undefined) throw new TraceFormatError(`${where}: TIMESTAMP must look like 2023-11-16 18:17:03.9799600, got "${timestamp ?? ''}"`);
    rows.push({
      source,
      index: rows.length,
      atMs,
      contextTokens: count(context, 'ContextTokens', where),
      generatedTokens: count(generated, 'GeneratedTokens', where),
    });
  }
  return rows;
}

/** Both files as one stream in invocation order (ties: code before conv, then file order), as the trace's clients sent them. */
export function mergeByTime(files: readonly (readonly TraceRow[])[]): TraceRow[] {
  const order = (row: TraceRow): number => TRACE_SOURCES.indexOf(row.source);
  return files.flat().sort((a, b) => a.atMs - b.atMs || order(a) - order(b) || a.index - b.index);
}
