import { DependencyUnavailableError } from '@sluice/contracts';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { CLIENT_CERTIFICATE_REFUSED_CODES, KafkaSecurityError } from '../../errors/kafka-security.error';
import { asConnectFailure } from './platformatic.errors';
import type { PlatformaticBaseOptions } from './platformatic.options';

/** How long a probe waits for a broker's verdict on the client's certificate; it runs only once a connect has failed. */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * The TLS alert `broker` refuses the client's certificate (or its lack of one) with, if it does, over
 * a connection of its own with the client's TLS options; undefined for any other outcome. Under TLS
 * 1.3 the broker judges the client's certificate after the handshake has completed on the client's
 * side, and @platformatic/kafka reports the alert that follows only as "Connection closed".
 */
export function clientCertificateRefusal(
  broker: string,
  options: Pick<PlatformaticBaseOptions, 'tls' | 'tlsServerName'>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<string | undefined> {
  const colon = broker.lastIndexOf(':');
  const host = broker.slice(0, colon).replace(/^\[|\]$/g, '');
  const servername = typeof options.tlsServerName === 'string' ? options.tlsServerName : isIP(host) === 0 ? host : undefined;
  return new Promise((resolve) => {
    const socket = connect({ ...options.tls, host, port: Number(broker.slice(colon + 1)), ...(servername === undefined ? {} : { servername }) });
    const settle = (reason: string | undefined): void => {
      clearTimeout(deadline);
      socket.destroy();
      resolve(reason);
    };
    const deadline = setTimeout(() => settle(undefined), timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) =>
      settle(error.code !== undefined && CLIENT_CERTIFICATE_REFUSED_CODES.has(error.code) ? error.message : undefined),
    );
    socket.once('close', () => settle(undefined));
    // The alert comes as the first thing read: the socket must be reading for it to arrive.
    socket.resume();
  });
}

/**
 * asConnectFailure, and when that finds only an unreachable broker over TLS, whether a bootstrap
 * broker refuses the client's certificate: then a KafkaSecurityError naming it, not an outage
 * that a service would wait out for ever.
 */
export async function diagnoseConnectFailure(error: unknown, base: PlatformaticBaseOptions): Promise<unknown> {
  const failure = asConnectFailure(error, base);
  if (!(failure instanceof DependencyUnavailableError) || base.tls === undefined) return failure;
  const refusals = await Promise.all(base.bootstrapBrokers.map((broker) => clientCertificateRefusal(broker, base)));
  const refused = refusals.findIndex((reason) => reason !== undefined);
  return refused === -1 ? failure : new KafkaSecurityError('client-certificate', base.bootstrapBrokers[refused]!, refusals[refused]!, { cause: error });
}
