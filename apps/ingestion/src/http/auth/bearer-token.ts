/** API keys look like `slc_<prefix>_<secret>` (see @sluice/ledger's generateApiKey). */
const API_KEY_SHAPE = /^slc_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}$/;

export type Credentials = { ok: true; apiKey: string } | { ok: false; reason: string };

/**
 * The API key of an `Authorization: Bearer <key>` header. A malformed key is refused here, so only
 * well-formed ones cost a ledger lookup; the reason never repeats the key.
 */
export function credentialsFrom(authorization: string | undefined): Credentials {
  if (authorization === undefined || authorization.trim() === '') {
    return { ok: false, reason: 'send an API key: Authorization: Bearer slc_...' };
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
  if (!match) return { ok: false, reason: 'the Authorization header must be "Bearer <api key>"' };
  return wellFormed(match[1]);
}

/** The API key of a header that carries nothing else (Anthropic's `x-api-key`), refused the same way. */
export function credentialsOfKey(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'send an API key: x-api-key: slc_...' };
  return wellFormed(header.trim());
}

function wellFormed(apiKey: string): Credentials {
  return API_KEY_SHAPE.test(apiKey) ? { ok: true, apiKey } : { ok: false, reason: 'the API key is malformed' };
}
