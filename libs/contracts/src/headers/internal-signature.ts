/**
 * Sluice's own messages (accepted requests, lane messages, results, events) carry an HMAC of what
 * they say, made with the key its services share (SLUICE_INTERNAL_SIGNING_KEY), so a consumer can
 * refuse what anyone else produced to its topics. `v1.` and the base64url of HMAC-SHA256 over the
 * topic, the record key and the value.
 */
export const INTERNAL_SIGNATURE_HEADER = 'x-sluice-signature';

/**
 * The key a local stack signs with when none is configured: in the source for anyone to read, so a
 * service refuses to boot with it when SLUICE_ENV is production.
 */
export const DEVELOPMENT_INTERNAL_SIGNING_KEY = 'sluice-development-internal-signing-key-0001';
