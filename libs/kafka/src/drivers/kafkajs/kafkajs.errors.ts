import { DependencyUnavailableError } from '@sluice/contracts';
import { CERTIFICATE_ERROR_CODES, CLIENT_CERTIFICATE_REFUSED_CODES, KafkaSecurityError } from '../../errors/kafka-security.error';

/** What broker outages are reported as. */
const BROKER_DEPENDENCY = 'the Kafka broker';

// kafkajs' names for "could not reach or hear from a broker", as opposed to a request the broker
// refused (a record too large, an unknown topic), which is the message's own problem.
const UNREACHABLE = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound']);

/**
 * The error a caller of the driver should see: a broker that cannot be reached as a
 * DependencyUnavailableError (consumers wait it out instead of dead-lettering), anything else as it
 * was. kafkajs reports a request it gave up retrying as KafkaJSNumberOfRetriesExceeded, with the last
 * failure as its `originalError`.
 */
export function asBrokerFailure(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current instanceof Error; depth += 1) {
    if (UNREACHABLE.has(current.name)) return new DependencyUnavailableError(BROKER_DEPENDENCY, error);
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return error;
}

/**
 * A failed connect as a KafkaSecurityError when the broker refused the client's credentials or
 * certificate, or its own certificate did not verify, else as it was. kafkajs does not say which broker refused SASL: the bootstrap
 * brokers are named, since those are the ones a connect talks to first.
 */
export function asSecurityFailure(error: unknown, bootstrap: readonly string[]): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (current.name === 'KafkaJSSASLAuthenticationError') return new KafkaSecurityError('sasl', bootstrap.join(', '), current.message, { cause: error });
    const { code, broker } = current as { code?: unknown; broker?: unknown };
    const kind =
      typeof code !== 'string'
        ? undefined
        : CERTIFICATE_ERROR_CODES.has(code)
          ? 'tls'
          : CLIENT_CERTIFICATE_REFUSED_CODES.has(code)
            ? 'client-certificate'
            : undefined;
    if (current.name === 'KafkaJSConnectionError' && kind !== undefined) {
      return new KafkaSecurityError(kind, typeof broker === 'string' ? broker : bootstrap.join(', '), current.message.replace(/^Connection error: /, ''), {
        cause: error,
      });
    }
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return error;
}
