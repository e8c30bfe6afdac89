import { DependencyUnavailableError } from '@sluice/contracts';
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { classifyError } from '../../errors/error.classification';
import { KafkaSecurityError } from '../../errors/kafka-security.error';
import { asBrokerFailure, asSecurityFailure } from './kafkajs.errors';

describe('asBrokerFailure', () => {
  it('reports a broker that cannot be reached as an outage the runner waits out', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    for (const error of [
      refused,
      new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'),
      new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 30_000 }),
    ]) {
      const reported = asBrokerFailure(error);
      expect(reported).toBeInstanceOf(DependencyUnavailableError);
      expect(reported).toMatchObject({ dependency: 'the Kafka broker', cause: error });
      expect(classifyError(reported)).toMatchObject({ kind: 'outage' });
    }
  });

  it('leaves what the broker refused as it was', () => {
    const tooLarge = new KafkaJSProtocolError('The request included a message larger than the max message size the server will accept');
    expect(asBrokerFailure(tooLarge)).toBe(tooLarge);
    const retriedRefusal = new KafkaJSNumberOfRetriesExceeded(tooLarge, { retryCount: 5, retryTime: 30_000 });
    expect(asBrokerFailure(retriedRefusal)).toBe(retriedRefusal);
    const bug = new TypeError('x is undefined');
    expect(asBrokerFailure(bug)).toBe(bug);
  });
});

describe('asSecurityFailure', () => {
  it('reports a refused login as a KafkaSecurityError naming the bootstrap brokers', () => {
    // Typed without arguments, though kafkajs passes the message as any error's first.
    const Refusal = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const refused = new Refusal('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials');
    const failure = asSecurityFailure(refused, ['kafka-1:9094', 'kafka-2:9094']);
    expect(failure).toBeInstanceOf(KafkaSecurityError);
    expect((failure as Error).message).toMatch(
      /^SASL authentication failed at Kafka broker kafka-1:9094, kafka-2:9094: SASL SCRAM SHA512 authentication failed/,
    );
  });

  it('reports a certificate that does not verify, with the broker kafkajs names', () => {
    const tls = new KafkaJSConnectionError('Connection error: unable to verify the first certificate', {
      broker: 'kafka-2:9094',
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    } as never);
    const failure = asSecurityFailure(new KafkaJSNumberOfRetriesExceeded(tls, { retryCount: 0, retryTime: 0 }), ['kafka-1:9094']);
    expect(failure).toMatchObject({ kind: 'tls', broker: 'kafka-2:9094' });
    expect((failure as Error).message).toMatch(/^TLS handshake with Kafka broker kafka-2:9094 failed: unable to verify the first certificate/);
  });

  it('reports a client certificate the broker refused (mTLS), with the broker kafkajs names', () => {
    const alert = new KafkaJSConnectionError('Connection error: 805CAAF53F7F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate', {
      broker: 'kafka-2:9093',
      code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    } as never);
    const failure = asSecurityFailure(new KafkaJSNumberOfRetriesExceeded(alert, { retryCount: 0, retryTime: 0 }), ['kafka-1:9093']);
    expect(failure).toMatchObject({ kind: 'client-certificate', broker: 'kafka-2:9093' });
    expect((failure as Error).message).toMatch(
      /^Kafka broker kafka-2:9093 refused the client certificate: .*alert bad certificate .*check KAFKA_TLS_CERT_FILE/,
    );
  });

  it('leaves other failures as they were', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(asSecurityFailure(refused, ['127.0.0.1:9092'])).toBe(refused);
  });
});
