import { DependencyUnavailableError } from '@sluice/contracts';
import { KafkaSecurityError } from '../../errors/kafka-security.error';
import { asBrokerFailure, asConnectFailure, brokerSaysRetry, groupHasOtherClients } from './platformatic.errors';
import { pk } from './platformatic.module';

const CLUSTER = { bootstrapBrokers: ['kafka-1.internal:9094'], sasl: { mechanism: 'SCRAM-SHA-256' as const, username: 'sluice', password: 'secret-1' } };

// The shape the library gives a refused SCRAM login (seen against Kafka 4.1), down to the broker's words.
function refusedLogin(): Error {
  const protocol = new pk.ProtocolError(
    'SASL_AUTHENTICATION_FAILED',
    'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
  );
  const authentication = new pk.AuthenticationError('SASL authentication failed.', {
    cause: new pk.MultipleErrors('Received response with error', [protocol]),
  });
  const connection = new pk.NetworkError('Connection to kafka-2.internal:9094 failed.', { cause: authentication });
  return new pk.MultipleErrors('metadata failed 1 times.', [new pk.MultipleErrors('Cannot connect to any broker.', [connection])]);
}

describe('asBrokerFailure (@platformatic/kafka)', () => {
  it('reports a connection that failed as the broker being unavailable', () => {
    const error = new pk.NetworkError('Connection to 127.0.0.1:1 failed.');
    expect(asBrokerFailure(error, CLUSTER)).toBeInstanceOf(DependencyUnavailableError);
  });

  it('looks through the retries a request was given up after', () => {
    const error = new pk.MultipleErrors('produce failed 4 times.', [new pk.TimeoutError('Request timed out.'), new pk.NetworkError('Connection closed.')]);
    const failure = asBrokerFailure(error, CLUSTER);
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
  });

  it('says why the broker refused a request, not only which request failed', () => {
    const error = new pk.MultipleErrors('Producing messages failed.', [new pk.ProtocolError('MESSAGE_TOO_LARGE')]);
    const failure = asBrokerFailure(error, CLUSTER) as Error;
    expect(failure).not.toBeInstanceOf(DependencyUnavailableError);
    expect(failure.message).toMatch(/^Producing messages failed\. .*larger than the max message size/);
    expect(failure.cause).toBe(error);
  });

  it('waits out a login refused after boot as an outage, saying it is SASL, at which broker and why', () => {
    // A produce or fetch that needed a new connection once the credentials were rotated on the cluster.
    const failure = asBrokerFailure(new pk.MultipleErrors('Producing messages failed.', [refusedLogin()]), CLUSTER) as Error;
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect(failure.message).toBe(
      'the Kafka broker is unavailable: SASL authentication failed at Kafka broker kafka-2.internal:9094: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256 (mechanism SCRAM-SHA-256: check KAFKA_SASL_MECHANISM and the credentials)',
    );
    expect(failure.cause).toBeInstanceOf(KafkaSecurityError);
  });

  it('names the mechanism tried where the broker does not (PLAIN), never the password', () => {
    const refused = new pk.NetworkError('Connection to kafka-2.internal:9094 failed.', {
      cause: new pk.AuthenticationError('SASL authentication failed.', {
        cause: new pk.MultipleErrors('Received response with error', [
          new pk.ProtocolError('SASL_AUTHENTICATION_FAILED', 'Authentication failed: Invalid username or password'),
        ]),
      }),
    });
    const plain = { bootstrapBrokers: CLUSTER.bootstrapBrokers, sasl: { mechanism: 'PLAIN' as const, username: 'sluice', password: 'secret-1' } };
    const failure = asBrokerFailure(new pk.MultipleErrors('fetch failed 1 times.', [refused]), plain) as Error;
    expect(failure.message).toBe(
      'the Kafka broker is unavailable: SASL authentication failed at Kafka broker kafka-2.internal:9094: Authentication failed: Invalid username or password (mechanism PLAIN: check KAFKA_SASL_MECHANISM and the credentials)',
    );
    expect(failure.message).not.toContain('secret-1');
  });

  it('leaves an error without inner reasons as it was', () => {
    const plain = new Error('boom');
    expect(asBrokerFailure(plain, CLUSTER)).toBe(plain);
  });
});

describe('asConnectFailure (@platformatic/kafka)', () => {
  it('reports a refused login as a KafkaSecurityError naming the broker and its reason, not as an outage', () => {
    const failure = asConnectFailure(refusedLogin(), CLUSTER);
    expect(failure).toBeInstanceOf(KafkaSecurityError);
    expect(failure).toMatchObject({ kind: 'sasl', broker: 'kafka-2.internal:9094' });
    expect((failure as Error).message).toBe(
      'SASL authentication failed at Kafka broker kafka-2.internal:9094: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256 (mechanism SCRAM-SHA-256: check KAFKA_SASL_MECHANISM and the credentials)',
    );
  });

  it('reports a certificate that does not verify as a TLS failure', () => {
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const failure = asConnectFailure(
      new pk.MultipleErrors('Cannot connect to any broker.', [new pk.NetworkError('Connection to localhost:9094 failed.', { cause: tls })]),
      { bootstrapBrokers: [] },
    );
    expect(failure).toMatchObject({ kind: 'tls', broker: 'localhost:9094' });
    expect((failure as Error).message).toMatch(/^TLS handshake with Kafka broker localhost:9094 failed: self-signed certificate in certificate chain/);
  });

  it('still reports an unreachable broker as unavailable', () => {
    expect(asConnectFailure(new pk.NetworkError('Connection to 127.0.0.1:1 failed.'), { bootstrapBrokers: ['127.0.0.1:1'] })).toBeInstanceOf(
      DependencyUnavailableError,
    );
  });
});

describe('brokerSaysRetry (@platformatic/kafka)', () => {
  it('is true for a join the coordinator refused while it loads, however deep the wrapping', () => {
    const response = new pk.ResponseError(11, 9, { '/': [14, null] }, {});
    expect(brokerSaysRetry(response)).toBe(true);
    expect(brokerSaysRetry(new pk.MultipleErrors('joinGroup failed 2 times.', [response]))).toBe(true);
  });

  it('is false for what retrying does not cure', () => {
    expect(brokerSaysRetry(new pk.MultipleErrors('Producing messages failed.', [new pk.ProtocolError('MESSAGE_TOO_LARGE')]))).toBe(false);
    expect(brokerSaysRetry(new Error('boom'))).toBe(false);
  });
});

describe('groupHasOtherClients (@platformatic/kafka)', () => {
  it('is true for a join refused because the group speaks another assignment protocol', () => {
    const response = new pk.ResponseError(11, 9, { '/': [23, null] }, {});
    expect(groupHasOtherClients(response)).toBe(true);
    expect(groupHasOtherClients(new pk.MultipleErrors('joinGroup failed.', [response]))).toBe(true);
  });

  it('is false for other refusals', () => {
    expect(groupHasOtherClients(new pk.ResponseError(11, 9, { '/': [14, null] }, {}))).toBe(false);
    expect(groupHasOtherClients(new Error('boom'))).toBe(false);
  });
});
