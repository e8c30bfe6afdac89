import { isUtf8 } from 'node:buffer';
import { FailureCode } from '../errors/failure.codes';

export type DecodeResult = { ok: true; value: unknown } | { ok: false; code: typeof FailureCode.EmptyValue | typeof FailureCode.InvalidJson; message: string };

/**
 * Decodes a record value as UTF-8 JSON; an unreadable value is reported, never thrown. Bytes that are
 * not UTF-8 are refused rather than decoded: a lenient decode would replace them with U+FFFD and pass
 * on text the producer never sent.
 */
export function decodeJson(value: Buffer | null): DecodeResult {
  if (value === null || value.length === 0) {
    return { ok: false, code: FailureCode.EmptyValue, message: 'message has no value' };
  }
  if (!isUtf8(value)) return { ok: false, code: FailureCode.InvalidJson, message: 'value is not valid UTF-8' };
  try {
    return { ok: true, value: JSON.parse(value.toString('utf8')) };
  } catch (error) {
    return { ok: false, code: FailureCode.InvalidJson, message: `value is not JSON: ${(error as Error).message}` };
  }
}
