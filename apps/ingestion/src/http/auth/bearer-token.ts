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
  if (!API_KEY_SHAPE.test(match[1])) return { ok: false, reason: 'the API key is malformed' };
  return { ok: true, apiKey: match[1] };
}
