import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaTlsSettings } from '../config/kafka-security';

/**
 * Node's TLS options for the brokers, shared by both drivers. Only what is set: kafkajs merges these
 * over its own (the broker's host as SNI), so an undefined `servername` would erase that.
 */
export function toNodeTlsOptions(tls: KafkaTlsSettings): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (tls.ca) options.ca = tls.ca;
  if (tls.cert) options.cert = tls.cert;
  if (tls.key) options.key = tls.key;
  if (tls.keyPassphrase !== undefined) options.passphrase = tls.keyPassphrase;
  if (tls.serverName !== undefined) options.servername = tls.serverName;
  // The chain is still verified against the trusted CAs; only the name in the certificate is not compared.
  if (tls.checkHostname === false) options.checkServerIdentity = () => undefined;
  return options;
}

/** True when every broker is named by a host name, not an address: SNI carries names only (RFC 6066). */
export function brokersHaveHostNames(brokers: readonly string[]): boolean {
  return brokers.every((broker) => isIP(broker.slice(0, broker.lastIndexOf(':')).replace(/^\[|\]$/g, '')) === 0);
}
