import { FailureCode } from '../errors/failure.codes';

export type DecodeResult = { ok: true; value: unknown } | { ok: false; code: typeof FailureCode.EmptyValue | typeof FailureCode.InvalidJson; message: string };

/** Decodes a record value as UTF-8 JSON; an unreadable value is reported, never thrown. */
export function decodeJson(value: Buffer | null): DecodeResult {
  if (value === null || value.length === 0) {
    return { ok: false, code: FailureCode.EmptyValue, message: 'message has no value' };
  }
  try {
    return { ok: true, value: JSON.parse(value.toString('utf8')) };
  } catch (error) {
    return { ok: false, code: FailureCode.InvalidJson, message: `value is not JSON: ${(error as Error).message}` };
  }
}
