import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a JSONL file one line at a time with at most one chunk in memory, so a million-line batch
 * costs the same memory as a ten-line one. Blank lines are skipped; `lineNumber` is 1-based and
 * counts them, so errors can point at the line a person sees in an editor.
 */
export class LineReader {
  private lines: string[] = [];
  private index = 0;
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private ended = false;
  lineNumber = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async open(path: string): Promise<LineReader> {
    return new LineReader(await open(path, 'r'));
  }

  /** The next non-blank line without its line ending, or null at the end of the file. */
  async next(): Promise<string | null> {
    for (;;) {
      while (this.index < this.lines.length) {
        const raw = this.lines[this.index] as string;
        this.index += 1;
        this.lineNumber += 1;
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line.trim().length > 0) return line;
      }
      if (this.ended) return null;
      await this.fill();
    }
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async fill(): Promise<void> {
    const { bytesRead } = await this.handle.read(this.buffer, 0, CHUNK_BYTES, null);
    let text: string;
    if (bytesRead === 0) {
      this.ended = true;
      text = this.pending + this.decoder.end();
      this.lines = text.length > 0 ? [text] : [];
    } else {
      text = this.pending + this.decoder.write(this.buffer.subarray(0, bytesRead));
      const parts = text.split('\n');
      this.pending = parts.pop() as string;
      this.lines = parts;
    }
    this.index = 0;
  }
}
