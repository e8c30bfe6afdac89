import { loadTrace } from './trace.files';
import { EXCERPT_WINDOW, excerptLines } from './trace.excerpt';
import { parseTraceTimestamp } from './trace.rows';

describe('excerptLines', () => {
  it('keeps the header and the rows invoked in [from, to), unchanged and in order', () => {
    const text = [
      'TIMESTAMP,ContextTokens,GeneratedTokens',
      '2023-11-16 18:19:59.9999999,1,1',
      '2023-11-16 18:20:00.0000000,2,2',
      '2023-11-16 18:23:59.9000000,3,3',
      '2023-11-16 18:24:00.0000000,4,4',
      '',
    ].join('\n');
    expect(excerptLines(text)).toEqual(['TIMESTAMP,ContextTokens,GeneratedTokens', '2023-11-16 18:20:00.0000000,2,2', '2023-11-16 18:23:59.9000000,3,3']);
  });
});

describe('the shipped excerpt', () => {
  // The data file is part of the repository: this guards it against a hand edit or a bad regeneration.
  const trace = loadTrace();
  const from = parseTraceTimestamp(EXCERPT_WINDOW.from) as number;
  const to = parseTraceTimestamp(EXCERPT_WINDOW.to) as number;

  it('holds the rows of both files invoked in the excerpt window', () => {
    const count = (source: string) => trace.rows.filter((row) => row.source === source).length;
    expect(count('code')).toBe(863);
    expect(count('conv')).toBe(1133);
    expect(trace.rows.every((row) => row.atMs >= from && row.atMs < to)).toBe(true);
  });

  it('is in invocation order', () => {
    expect(trace.rows.every((row, i) => i === 0 || (trace.rows[i - 1] as { atMs: number }).atMs <= row.atMs)).toBe(true);
  });
});
