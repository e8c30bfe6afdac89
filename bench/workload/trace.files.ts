import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TRACE_SOURCES, TraceRow, TraceSource, mergeByTime, parseTraceCsv } from './trace.rows';

/** The excerpt shipped in the repository (bench/data/azure-llm-trace-2023-excerpt/README.md: source, licence, rule). */
export const SHIPPED_EXCERPT_DIR = resolve(__dirname, '..', 'data', 'azure-llm-trace-2023-excerpt');

/** File names a trace folder may use: the excerpt's short ones, or the original dataset's. */
const FILE_NAMES: Record<TraceSource, readonly string[]> = {
  code: ['code.csv', 'AzureLLMInferenceTrace_code.csv'],
  conv: ['conv.csv', 'AzureLLMInferenceTrace_conv.csv'],
};

export interface LoadedTrace {
  dir: string;
  files: Record<TraceSource, string>;
  /** Both files merged in invocation order. */
  rows: TraceRow[];
}

/** Reads both files of a trace folder (the shipped excerpt, or the full dataset, e.g. ../shared/data/azure-llm-trace-2023). */
export function loadTrace(dir: string = SHIPPED_EXCERPT_DIR): LoadedTrace {
  const files = {} as Record<TraceSource, string>;
  const perFile: TraceRow[][] = [];
  for (const source of TRACE_SOURCES) {
    const path = FILE_NAMES[source].map((name) => join(dir, name)).find((candidate) => existsSync(candidate));
    if (path === undefined) throw new Error(`${dir} has no ${source} trace (looked for ${FILE_NAMES[source].join(' or ')})`);
    files[source] = path;
    perFile.push(parseTraceCsv(readFileSync(path, 'utf8'), source, path));
  }
  return { dir, files, rows: mergeByTime(perFile) };
}
