import { ErrorCode } from '../errors/error-code.enum';

export type DecodeOutcome =
  { ok: true; value: unknown } | { ok: false; error: { code: ErrorCode.INVALID_JSON | ErrorCode.PAYLOAD_TOO_LARGE; message: string } };

export interface DecodeOptions {
  /** Larger payloads are refused before parsing, so one huge message cannot stall a consumer. */
  maxBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses a Kafka value or HTTP body as JSON. Returns "invalid" instead of throwing: an unreadable
 * message is routine (it goes to the dead-letter topic), not a crash.
 */
export function decodeJson(input: Buffer | Uint8Array | string | null | undefined, options: DecodeOptions = {}): DecodeOutcome {
  if (input === null || input === undefined) {
    return { ok: false, error: { code: ErrorCode.INVALID_JSON, message: 'the message has no value' } };
  }
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (options.maxBytes !== undefined && size > options.maxBytes) {
    return {
      ok: false,
      error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: `the message is ${size} bytes; the limit is ${options.maxBytes}` },
    };
  }
  let text: string;
  try {
    // The decoder drops a leading BOM, which JSON.parse would otherwise refuse.
    text = typeof input === 'string' ? input.replace(/^\uFEFF/, '') : utf8.decode(input);
  } catch {
    return { ok: false, error: { code: ErrorCode.INVALID_JSON, message: 'the message is not valid UTF-8' } };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: { code: ErrorCode.INVALID_JSON, message: `the message is not valid JSON: ${(error as Error).message}` } };
  }
}
