import { randomBytes } from 'node:crypto';

// Ids need to be unique within a run, not secret: a random per-process prefix plus a counter is
// unique and costs nothing per request, unlike fresh random bytes each time.
const PREFIX = randomBytes(6).toString('hex');
let counter = 0;

function next(width: number): string {
  counter += 1;
  return PREFIX + counter.toString(16).padStart(width, '0');
}

export const ids = {
  request: (): string => `req_${next(12)}`,
  chatCompletion: (): string => `chatcmpl-${next(12)}`,
  message: (): string => `msg_${next(12)}`,
  file: (): string => `file-${next(12)}`,
  batch: (): string => `batch_${next(12)}`,
  batchRequest: (): string => `batch_req_${next(12)}`,
  messageBatch: (): string => `msgbatch_${next(12)}`,
};

/** Unix seconds, as OpenAI timestamps are. */
export function unixSeconds(ms: number = Date.now()): number {
  return Math.floor(ms / 1000);
}
