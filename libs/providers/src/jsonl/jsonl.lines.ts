import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { BatchInput } from '../batch.interface';

export type ByteChunk = Uint8Array | string;

/**
 * The lines of a JSONL byte stream whose chunk boundaries fall anywhere, even inside a multi-byte
 * character. Blank lines are skipped; a trailing `\r` is dropped.
 */
export async function* jsonlLines(source: AsyncIterable<ByteChunk>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    let start = 0;
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n', start)) {
      const line = trimLine(pending.slice(start, newline));
      if (line) yield line;
      start = newline + 1;
    }
    pending = pending.slice(start);
  }
  const last = trimLine(pending + decoder.end());
  if (last) yield last;
}

function trimLine(line: string): string {
  return (line.endsWith('\r') ? line.slice(0, -1) : line).trim();
}

/** A batch input as a byte stream: a path is read lazily, never into memory at once. */
export async function* batchInputChunks(input: BatchInput): AsyncGenerator<ByteChunk> {
  yield* typeof input === 'string' ? createReadStream(input) : input;
}

/** The chunks of a web ReadableStream (a fetch Response body), released when the consumer stops early. */
export async function* webStreamChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
