/** The SASL mechanisms both drivers speak, as KAFKA_SASL_MECHANISM names them. */
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** TLS to the brokers. Certificates and keys are the files' contents (PEM), read once at start. */
export interface KafkaTlsSettings {
  /** CAs trusted instead of Node's bundled public ones (a private or self-signed CA). */
  ca?: Buffer;
  /** Client certificate and key, for brokers that authenticate clients by certificate (mTLS). */
  cert?: Buffer;
  key?: Buffer;
  /** Decrypts an encrypted `key`. */
  keyPassphrase?: string;
  /** The name each broker's certificate must carry, and the SNI sent, instead of the broker's host. */
  serverName?: string;
  /** False accepts a certificate issued by a trusted CA for another name. Defaults to true. */
  checkHostname?: boolean;
}

export type KafkaSaslSettings =
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  /** `token` is asked on every authentication (new connections and re-authentication), so it may refresh. */
  | { mechanism: 'oauthbearer'; token: () => Promise<string> };

/** How clients prove who they are to the cluster and check who it is; absent parts are off. */
export interface KafkaSecuritySettings {
  tls?: KafkaTlsSettings;
  sasl?: KafkaSaslSettings;
}
