/**
 * A broker turned the client away: SASL authentication failed (wrong user, password, token or
 * mechanism) or the TLS handshake did (a certificate the trusted CAs do not vouch for, or issued for
 * another name). Not an outage: trying again cannot help, so it is reported at once, naming the broker.
 */
export class KafkaSecurityError extends Error {
  override readonly name = 'KafkaSecurityError';

  constructor(
    readonly kind: 'sasl' | 'tls',
    readonly broker: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      kind === 'sasl'
        ? `SASL authentication failed at Kafka broker ${broker}: ${reason} (check KAFKA_SASL_MECHANISM and the credentials)`
        : `TLS handshake with Kafka broker ${broker} failed: ${reason} (check KAFKA_TLS_CA_FILE and KAFKA_TLS_SERVER_NAME)`,
      { cause: options.cause },
    );
  }
}

/** Node's codes for a broker certificate that does not verify: a matter of configuration, never of waiting. */
export const CERTIFICATE_ERROR_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
