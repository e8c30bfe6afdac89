import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Aborted } from './abortable.sleep';

/** Appends lines to a file, waiting on the stream when it is full so output never piles up in memory. */
export class JsonlWriter {
  private stream: WriteStream | undefined;
  private destroyed = false;
  private failure: Error | undefined;
  bytes = 0;
  lines = 0;

  constructor(readonly path: string) {}

  async write(line: string): Promise<void> {
    if (this.destroyed) throw new Aborted();
    if (this.failure) throw this.failure;
    if (!this.stream) {
      this.stream = createWriteStream(this.path);
      // Kept, not thrown from an event: the next write (or close) reports it to the batch.
      this.stream.on('error', (error) => {
        this.failure = error;
      });
    }
    const data = `${line}\n`;
    this.bytes += Buffer.byteLength(data);
    this.lines += 1;
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }

  get opened(): boolean {
    return this.stream !== undefined;
  }

  async close(): Promise<void> {
    const stream = this.stream;
    if (this.failure) throw this.failure;
    if (!stream || stream.closed) return;
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }

  /** Closes without waiting: used when the emulator resets or stops mid-batch. */
  destroy(): void {
    this.destroyed = true;
    this.stream?.destroy();
  }
}
