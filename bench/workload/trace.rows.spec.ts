import { TraceFormatError, mergeByTime, parseTraceCsv, parseTraceTimestamp } from './trace.rows';

describe('parseTraceTimestamp', () => {
  it('reads the trace format as UTC and keeps the sub-second digits', () => {
    expect(parseTraceTimestamp('2023-11-16 18:17:03.9799600')).toBeCloseTo(Date.UTC(2023, 10, 16, 18, 17, 3) + 979.96, 6);
    expect(parseTraceTimestamp('2023-11-16 18:17:03')).toBe(Date.UTC(2023, 10, 16, 18, 17, 3));
  });

  it('refuses anything else', () => {
    expect(parseTraceTimestamp('2023-11-16T18:17:03Z')).toBeUndefined();
    expect(parseTraceTimestamp('')).toBeUndefined();
  });
});

describe('parseTraceCsv', () => {
  const header = 'TIMESTAMP,ContextTokens,GeneratedTokens';

  it('numbers the data rows of a file from 0 and reads their token counts', () => {
    const rows = parseTraceCsv(`\uFEFF${header}\r\n2023-11-16 18:20:00.5000000,1083,397\r\n\r\n2023-11-16 18:20:01.0000000,2,6\r\n`, 'conv');
    expect(rows).toEqual([
      { source: 'conv', index: 0, atMs: Date.UTC(2023, 10, 16, 18, 20, 0) + 500, contextTokens: 1083, generatedTokens: 397 },
      { source: 'conv', index: 1, atMs: Date.UTC(2023, 10, 16, 18, 20, 1), contextTokens: 2, generatedTokens: 6 },
    ]);
  });

  it('names the file and line of what it cannot read', () => {
    expect(() => parseTraceCsv('time,a,b\n', 'code', 'x.csv')).toThrow(
      new TraceFormatError('x.csv: the first line must be "TIMESTAMP,ContextTokens,GeneratedTokens"'),
    );
    expect(() => parseTraceCsv(`${header}\n2023-11-16 18:20:00,12,x\n`, 'code', 'x.csv')).toThrow(
      'x.csv line 2: GeneratedTokens must be a whole number of tokens, got "x"',
    );
    expect(() => parseTraceCsv(`${header}\n2023-11-16 18:20:00,12,3,4\n`, 'code', 'x.csv')).toThrow('x.csv line 2: expected 3 columns, got 4');
    expect(() => parseTraceCsv(`${header}\nyesterday,12,3\n`, 'code', 'x.csv')).toThrow('x.csv line 2: TIMESTAMP must look like');
    expect(() => parseTraceCsv(`${header}\n2023-11-16 18:20:00,-1,3\n`, 'code', 'x.csv')).toThrow('ContextTokens must be a whole number');
  });
});

describe('mergeByTime', () => {
  it('interleaves both files in invocation order, code first on a tie', () => {
    const row = (source: 'code' | 'conv', index: number, atMs: number) => ({ source, index, atMs, contextTokens: 1, generatedTokens: 1 });
    const merged = mergeByTime([
      [row('code', 0, 5), row('code', 1, 9)],
      [row('conv', 0, 1), row('conv', 1, 5), row('conv', 2, 7)],
    ]);
    expect(merged.map((r) => `${r.source}${r.index}`)).toEqual(['conv0', 'code0', 'conv1', 'conv2', 'code1']);
  });
});
