/**
 * A broker turned the client away: SASL authentication failed (wrong user, password, token or
 * mechanism), the TLS handshake did (a certificate the trusted CAs do not vouch for, or issued for
 * another name), or the broker refused the client's certificate or its lack of one (mTLS). Not an
 * outage: trying again cannot help, so it is reported at once, naming the broker.
 */
export class KafkaSecurityError extends Error {
  override readonly name = 'KafkaSecurityError';

  constructor(
    readonly kind: 'sasl' | 'tls' | 'client-certificate',
    readonly broker: string,
    reason: string,
    /** `mechanism`: the SASL mechanism tried, named when the broker's reason may not say it. */
    options: { cause?: unknown; mechanism?: string } = {},
  ) {
    super(messageOf(kind, broker, reason, options.mechanism), { cause: options.cause });
  }
}

function messageOf(kind: KafkaSecurityError['kind'], broker: string, reason: string, mechanism: string | undefined): string {
  switch (kind) {
    case 'sasl':
      return `SASL authentication failed at Kafka broker ${broker}: ${reason} (${mechanism === undefined ? 'check KAFKA_SASL_MECHANISM' : `mechanism ${mechanism}: check KAFKA_SASL_MECHANISM`} and the credentials)`;
    case 'tls':
      return `TLS handshake with Kafka broker ${broker} failed: ${reason} (check KAFKA_TLS_CA_FILE and KAFKA_TLS_SERVER_NAME)`;
    case 'client-certificate':
      return `Kafka broker ${broker} refused the client certificate: ${reason} (check KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE, and that the broker trusts their CA)`;
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

/**
 * Node's codes for the TLS alerts a broker that authenticates clients by certificate sends when the
 * client has none, or one it does not trust: Java sends `bad_certificate` or, on TLS 1.3, `certificate_required`.
 */
export const CLIENT_CERTIFICATE_REFUSED_CODES: ReadonlySet<string> = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
]);
