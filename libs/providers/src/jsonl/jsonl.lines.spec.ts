import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchInputChunks, jsonlLines, webStreamChunks } from './jsonl.lines';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

async function* chunks(...parts: Array<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  yield* parts;
}

describe('jsonlLines', () => {
  it('splits lines across arbitrary chunk boundaries, even inside a multi-byte character', async () => {
    const bytes = Buffer.from('{"a":"é✓"}\n{"b":2}\r\n\n{"c":3}', 'utf8');
    const cut = bytes.indexOf(0xa9); // between the two bytes of é
    const lines = await collect(jsonlLines(chunks(bytes.subarray(0, cut), bytes.subarray(cut, cut + 5), bytes.subarray(cut + 5))));
    expect(lines).toEqual(['{"a":"é✓"}', '{"b":2}', '{"c":3}']);
  });

  it('accepts string chunks', async () => {
    expect(await collect(jsonlLines(chunks('{"a":', '1}\n{"b":2}\n')))).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('batchInputChunks', () => {
  it('reads a path as a file stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-jsonl-'));
    try {
      const path = join(dir, 'in.jsonl');
      writeFileSync(path, '{"x":1}\n{"x":2}\n');
      expect(await collect(jsonlLines(batchInputChunks(path)))).toEqual(['{"x":1}', '{"x":2}']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('webStreamChunks', () => {
  it('yields the chunks of a web stream', async () => {
    const body = new Response('line 1\nline 2\n').body;
    expect(body).not.toBeNull();
    expect(await collect(jsonlLines(webStreamChunks(body as ReadableStream<Uint8Array>)))).toEqual(['line 1', 'line 2']);
  });
});
