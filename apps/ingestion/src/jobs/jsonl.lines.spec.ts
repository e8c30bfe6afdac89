import { JsonlLine, jsonlLines } from './jsonl.lines';

async function collect(chunks: Array<string | Uint8Array>, maxLineBytes = 1_000): Promise<JsonlLine[]> {
  const lines: JsonlLine[] = [];
  // Chunks arrive asynchronously, as a request body's do.
  const source = (async function* () {
    yield* chunks;
  })();
  for await (const line of jsonlLines(source, maxLineBytes)) lines.push(line);
  return lines;
}

const texts = (lines: JsonlLine[]) => lines.map((line) => (line.kind === 'text' ? line.text : `<${line.kind}>`));

describe('jsonlLines', () => {
  it('splits on newlines, numbering every line, blank ones included', async () => {
    const lines = await collect(['{"a":1}\n\n{"b":2}\n']);
    expect(lines).toEqual([
      { number: 1, bytes: 7, kind: 'text', text: '{"a":1}' },
      { number: 2, bytes: 0, kind: 'text', text: '' },
      { number: 3, bytes: 7, kind: 'text', text: '{"b":2}' },
    ]);
  });

  it('joins lines cut across chunks, a multi-byte character included', async () => {
    const bytes = Buffer.from('{"x":"é€😀"}\n{"y":2}', 'utf8');
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(texts(await collect(chunks))).toEqual(['{"x":"é€😀"}', '{"y":2}']);
  });

  it('reads a last line without a newline, CRLF line ends, and a byte-order mark', async () => {
    expect(texts(await collect(['\ufeff{"a":1}\r\n{"b":2}\r\n{"c":3}']))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('reports an overlong line without keeping it and goes on with the next', async () => {
    const lines = await collect(['{"a":"', 'x'.repeat(50), 'y'.repeat(50), '"}\n{"b":2}\n'], 20);
    expect(lines).toEqual([
      { number: 1, bytes: 108, kind: 'too-long' },
      { number: 2, bytes: 7, kind: 'text', text: '{"b":2}' },
    ]);
  });

  it('measures the limit without the line break', async () => {
    expect(texts(await collect(['12345\r\n123456\n'], 5))).toEqual(['12345', '<too-long>']);
  });

  it('reports bytes that are not UTF-8', async () => {
    const lines = await collect([Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), '{"ok":true}']);
    expect(texts(lines)).toEqual(['<not-utf8>', '{"ok":true}']);
  });

  it('yields nothing for an empty upload', async () => {
    expect(await collect([])).toEqual([]);
    expect(await collect([''])).toEqual([]);
  });
});
