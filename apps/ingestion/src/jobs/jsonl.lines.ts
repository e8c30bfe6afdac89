const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BYTE_ORDER_MARK = '\ufeff';

/**
 * One line of a JSONL upload, numbered from 1 as an editor shows it (blank lines count). `bytes` is
 * its size without the line break. A line longer than the limit is not kept, only reported.
 */
export type JsonlLine =
  | { number: number; bytes: number; kind: 'text'; text: string }
  | { number: number; bytes: number; kind: 'too-long' }
  | { number: number; bytes: number; kind: 'not-utf8' };

/**
 * Splits a byte stream into lines as it arrives, holding at most one line (up to `maxLineBytes`) in
 * memory: an upload of any size is read in constant space, and pulling the next line is what pulls
 * the next chunk from the socket, so a slow consumer slows the sender down instead of buffering.
 * Splitting on the newline byte before decoding keeps a character cut across two chunks whole.
 * A trailing `\r` is dropped (CRLF files), and so is a byte-order mark before the first line.
 */
export async function* jsonlLines(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, maxLineBytes: number): AsyncGenerator<JsonlLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Uint8Array[] = [];
  let bytes = 0;
  let number = 0;

  const finish = (): JsonlLine => {
    number += 1;
    let size = bytes;
    const joined = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    parts = [];
    bytes = 0;
    if (size > maxLineBytes + 1) return { number, bytes: size, kind: 'too-long' };
    let line = joined.subarray(0, size);
    if (size > 0 && line[size - 1] === CARRIAGE_RETURN) {
      size -= 1;
      line = line.subarray(0, size);
    }
    if (size > maxLineBytes) return { number, bytes: size, kind: 'too-long' };
    let text: string;
    try {
      text = decoder.decode(line);
    } catch {
      return { number, bytes: size, kind: 'not-utf8' };
    }
    if (number === 1 && text.startsWith(BYTE_ORDER_MARK)) text = text.slice(1);
    return { number, bytes: size, kind: 'text', text };
  };

  // Parts of an overlong line are dropped as they come; one byte over the limit is kept in the count
  // so that a `\r` just past it is not mistaken for a line within the limit.
  const keep = (chunk: Uint8Array): void => {
    bytes += chunk.length;
    if (bytes <= maxLineBytes + 1) parts.push(chunk);
    else parts = [];
  };

  for await (const piece of source) {
    let chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    let newline = chunk.indexOf(NEWLINE);
    while (newline !== -1) {
      keep(chunk.subarray(0, newline));
      yield finish();
      chunk = chunk.subarray(newline + 1);
      newline = chunk.indexOf(NEWLINE);
    }
    if (chunk.length > 0) keep(chunk);
  }
  if (bytes > 0) yield finish();
}
