import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson, InferenceRequestFieldsV1, Operation, Provider } from '@sluice/contracts';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Identifies "the same request" for idempotency: everything the caller sent except the id (which is
 * the key itself), after validation filled in defaults, independent of key order. A replay with this
 * fingerprint is a duplicate; another fingerprint under the same id is a conflict.
 */
export function requestFingerprint(request: InferenceRequestFieldsV1 & { id?: string }): string {
  const { id: _id, ...rest } = request;
  return sha256Hex(canonicalJson(rest));
}

/**
 * The cache key of a request's content: provider, operation and provider body. Deadlines, metadata
 * and delivery targets do not change the answer, so they are not part of it. Scoped per tenant by
 * the cache table's key, never by this hash.
 */
export function cacheContentHash(provider: Provider, operation: Operation, body: Record<string, unknown>): string {
  return sha256Hex(canonicalJson({ provider, operation, body }));
}

/** A request's two hashes: its idempotency fingerprint and its cache content hash. */
export interface RequestHashes {
  fingerprint: string;
  contentHash: string;
}

/**
 * `requestFingerprint` and `cacheContentHash` of one request, with its body canonicalised once: the
 * body is most of a request's bytes, and both texts hold it verbatim.
 */
export function requestHashes(request: InferenceRequestFieldsV1 & { id?: string }): RequestHashes {
  const { id: _id, ...rest } = request;
  const body = canonicalJson(request.body);
  return {
    fingerprint: sha256Hex(canonicalJsonWithBody(rest, body)),
    contentHash: sha256Hex(canonicalJsonWithBody({ provider: request.provider, operation: request.operation, body: undefined }, body)),
  };
}

/** canonicalJson of an object whose `body` member is given as its canonical text already. */
function canonicalJsonWithBody(value: Record<string, unknown>, body: string): string {
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    if (key === 'body') members.push(`"body":${body}`);
    else if (value[key] !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(value[key])}`);
  }
  return `{${members.join(',')}}`;
}

const API_KEY_PREFIX = 'slc';

/** A new API key: `slc_<prefix>_<secret>`. The prefix is shown to operators; only the hash is stored. */
export function generateApiKey(): { key: string; prefix: string } {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `${API_KEY_PREFIX}_${prefix}_${secret}`, prefix };
}

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}
