import { DependencyUnavailableError } from '@sluice/contracts';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError } from 'kafkajs';
import { classifyError } from '../../errors/error.classification';
import { asBrokerFailure } from './kafkajs.errors';

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
