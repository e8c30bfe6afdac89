import { createHash, randomBytes } from 'node:crypto';

// Crockford's base32: no I, L, O or U, so an id read aloud or retyped survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const ENTROPY_BYTES = 10;

function encodeTime(ms: number): string {
  let rest = Math.max(0, Math.floor(ms));
  let text = '';
  for (let i = 0; i < TIME_CHARS; i += 1) {
    text = ALPHABET[rest % 32] + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

/** Ten bytes are exactly sixteen characters: no bits are left over. */
function encodeBytes(bytes: Uint8Array): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return text;
}

/**
 * `req_` and a ULID: the time first, so ids sort by receipt in the ledger and in logs, then 80 random
 * bits. Well inside the request-id pattern (30 characters of [A-Za-z0-9_]).
 */
export function newRequestId(now: Date, entropy: Uint8Array = randomBytes(ENTROPY_BYTES)): string {
  return `req_${ulid(now, entropy)}`;
}

/** `job_` and a ULID, for a bulk job whose client did not name it. */
export function newJobId(now: Date, entropy: Uint8Array = randomBytes(ENTROPY_BYTES)): string {
  return `job_${ulid(now, entropy)}`;
}

/** A prefix of the provider's own (`batch_`, `msgbatch_`, `file-`) and a ULID, for the objects of the provider facades. */
export function newFacadeId(prefix: 'batch_' | 'msgbatch_' | 'file-', now: Date, entropy: Uint8Array = randomBytes(ENTROPY_BYTES)): string {
  return `${prefix}${ulid(now, entropy)}`;
}

function ulid(now: Date, entropy: Uint8Array): string {
  return `${encodeTime(now.getTime())}${encodeBytes(entropy.subarray(0, ENTROPY_BYTES))}`;
}

/** Where a Kafka message sits; the same message read again has the same coordinates. */
export interface MessagePosition {
  topic: string;
  partition: number;
  offset: string;
  /** Milliseconds since the epoch: tells apart the messages of a topic that was deleted and re-created. */
  timestamp: string;
}

/**
 * The id of a request produced without one, derived from the message's position: a message redelivered
 * after a crash gets the same id, so the ledger sees a duplicate instead of a second request.
 */
export function requestIdForMessage(position: MessagePosition): string {
  const digest = createHash('sha256').update(`${position.topic}/${position.partition}/${position.offset}/${position.timestamp}`).digest();
  return newRequestId(new Date(Number(position.timestamp) || 0), digest);
}
