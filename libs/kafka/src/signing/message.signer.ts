import { DEVELOPMENT_INTERNAL_SIGNING_KEY, INTERNAL_SIGNATURE_HEADER } from '@sluice/contracts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { FailureCode } from '../errors/failure.codes';
import type { ConsumedMessage, WireMessage } from '../port/message.types';

const VERSION = 'v1.';
// Between the parts, so a topic, key and value cannot be shifted into one another for the same MAC.
const SEPARATOR = Buffer.from([0]);

export type SignatureCheck = { ok: true } | { ok: false; code: typeof FailureCode.SignatureMissing | typeof FailureCode.SignatureInvalid; message: string };

/**
 * Signs what Sluice's services produce and checks what they consume (see INTERNAL_SIGNATURE_HEADER):
 * an HMAC-SHA256 over the topic, the record key and the value bytes, so a signed message moved to
 * another topic, or given another key or value, no longer verifies. A replay of the same record is
 * not detected: consumers are idempotent over their ids for that.
 */
export class MessageSigner {
  private readonly key: Buffer;

  constructor(secret: string = DEVELOPMENT_INTERNAL_SIGNING_KEY) {
    this.key = Buffer.from(secret, 'utf8');
  }

  signatureOf(topic: string, key: Buffer | string | null | undefined, value: Buffer | string | null): string {
    const hmac = createHmac('sha256', this.key).update(topic).update(SEPARATOR);
    if (key !== null && key !== undefined) hmac.update(key);
    hmac.update(SEPARATOR);
    if (value !== null) hmac.update(value);
    return VERSION + hmac.digest('base64url');
  }

  /** The message with its signature header set (one it carried before, e.g. a replayed record's, is replaced). */
  sign(topic: string, message: WireMessage): WireMessage {
    return { ...message, headers: { ...message.headers, [INTERNAL_SIGNATURE_HEADER]: this.signatureOf(topic, message.key, message.value) } };
  }

  check(message: ConsumedMessage): SignatureCheck {
    const presented = message.headers[INTERNAL_SIGNATURE_HEADER];
    if (presented === undefined) {
      return { ok: false, code: FailureCode.SignatureMissing, message: `no ${INTERNAL_SIGNATURE_HEADER} header: not produced by a Sluice service` };
    }
    const expected = Buffer.from(this.signatureOf(message.topic, message.key, message.value));
    const given = Buffer.from(presented);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
    return {
      ok: false,
      code: FailureCode.SignatureInvalid,
      message: `the ${INTERNAL_SIGNATURE_HEADER} header does not match the message: forged, altered or signed with another key`,
    };
  }
}
