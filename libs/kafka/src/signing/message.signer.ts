import { DEVELOPMENT_INTERNAL_SIGNING_KEY, INTERNAL_SIGNATURE_HEADER } from '@sluice/contracts';
import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';
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
 *
 * Signing uses the current key only. Checking also accepts the previous keys, so a key can be rotated
 * without dead-lettering what services still on the old key, or the topics' backlog, carry; the
 * current key is tried first, so once the old messages are gone each check is one HMAC again.
 */
export class MessageSigner {
  private readonly key: KeyObject;
  private readonly previous: readonly KeyObject[];

  constructor(secret: string = DEVELOPMENT_INTERNAL_SIGNING_KEY, previous: readonly string[] = []) {
    // Key objects made once here, not per message on the hot path.
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.previous = [...new Set(previous)].filter((old) => old !== secret).map((old) => createSecretKey(Buffer.from(old, 'utf8')));
  }

  signatureOf(topic: string, key: Buffer | string | null | undefined, value: Buffer | string | null): string {
    return signatureWith(this.key, topic, key, value);
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
    const given = Buffer.from(presented);
    if (this.matches(this.key, message, given) || this.previous.some((old) => this.matches(old, message, given))) return { ok: true };
    return {
      ok: false,
      code: FailureCode.SignatureInvalid,
      message: `the ${INTERNAL_SIGNATURE_HEADER} header does not match the message: forged, altered or signed with another key`,
    };
  }

  private matches(key: KeyObject, message: ConsumedMessage, given: Buffer): boolean {
    const expected = Buffer.from(signatureWith(key, message.topic, message.key, message.value));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function signatureWith(secret: KeyObject, topic: string, key: Buffer | string | null | undefined, value: Buffer | string | null): string {
  const hmac = createHmac('sha256', secret).update(topic).update(SEPARATOR);
  if (key !== null && key !== undefined) hmac.update(key);
  hmac.update(SEPARATOR);
  if (value !== null) hmac.update(value);
  return VERSION + hmac.digest('base64url');
}
