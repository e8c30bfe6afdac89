import { SingleBar } from 'cli-progress';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JobView } from '../api/sluice.client';
import { progressFigures } from './job.progress';
import type { SubmitDisplay, SubmitFiles } from './submit.command';

const NEWLINE = 0x0a;
const KB = 1024;
const MB = 1024 * KB;

function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  return bytes >= KB ? `${(bytes / KB).toFixed(1)} KB` : `${bytes} B`;
}

export const localFiles: SubmitFiles = {
  async digest(path) {
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), new Writable({ write: (chunk: Buffer, _encoding, done) => (hash.update(chunk), done()) }));
    return hash.digest('hex');
  },

  async size(path) {
    return (await stat(path)).size;
  },

  async *read(path, onBytes) {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
      onBytes(chunk.length);
      yield chunk;
    }
  },

  async writeLines(path, lines) {
    // Written beside the target and moved over it when complete: a failed download never leaves
    // half a results file where a whole one is expected.
    const partial = `${path}.partial`;
    let count = 0;
    let last = NEWLINE;
    try {
      await pipeline(async function* () {
        for await (const chunk of lines) {
          for (const byte of chunk) if (byte === NEWLINE) count += 1;
          if (chunk.length > 0) last = chunk[chunk.length - 1];
          yield chunk;
        }
      }, createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return last === NEWLINE ? count : count + 1;
  },
};

/** Progress bars on stderr with cli-progress; without a terminal, a plain line every few seconds. */
export function terminalDisplay(stream: NodeJS.WriteStream = process.stderr): SubmitDisplay & { stop(): void } {
  const options = { stream, noTTYOutput: true, notTTYSchedule: 5_000, hideCursor: true, barsize: 30 };
  const uploadBar = new SingleBar({ ...options, format: 'uploading {bar} {percentage}% | {sent} of {size}' });
  // Elapsed time rather than an ETA: batch results land a whole batch at a time, so a rate would mislead.
  const jobBar = new SingleBar({ ...options, format: 'answered  {bar} {percentage}% | {value}/{total} | {lanes} | failed {failed} | {duration_formatted}' });
  let uploadActive = false;
  let jobActive = false;
  let sent = 0;
  let size = 0;
  return {
    uploadStarted(totalBytes) {
      size = totalBytes;
      uploadBar.start(Math.max(totalBytes, 1), 0, { sent: formatBytes(0), size: formatBytes(totalBytes) });
      uploadActive = true;
    },
    uploaded(bytes) {
      sent += bytes;
      uploadBar.update(Math.min(sent, Math.max(size, 1)), { sent: formatBytes(sent) });
    },
    uploadDone() {
      if (uploadActive) uploadBar.stop();
      uploadActive = false;
    },
    following(view: JobView) {
      const { value, total, lanes, failed } = progressFigures(view);
      if (!jobActive) {
        jobBar.start(Math.max(total, 1), value, { lanes, failed });
        jobActive = true;
      }
      jobBar.setTotal(Math.max(total, 1));
      jobBar.update(total === 0 ? 1 : value, { lanes, failed });
    },
    followDone() {
      if (jobActive) jobBar.stop();
      jobActive = false;
    },
    note(line) {
      stream.write(`${line}\n`);
    },
    stop() {
      this.uploadDone();
      this.followDone();
    },
  };
}
