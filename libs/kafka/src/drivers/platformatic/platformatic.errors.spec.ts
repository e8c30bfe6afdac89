import { DependencyUnavailableError } from '@sluice/contracts';
import { asBrokerFailure } from './platformatic.errors';
import { pk } from './platformatic.module';

describe('asBrokerFailure (@platformatic/kafka)', () => {
  it('reports a connection that failed as the broker being unavailable', () => {
    const error = new pk.NetworkError('Connection to 127.0.0.1:1 failed.');
    expect(asBrokerFailure(error)).toBeInstanceOf(DependencyUnavailableError);
  });

  it('looks through the retries a request was given up after', () => {
    const error = new pk.MultipleErrors('produce failed 4 times.', [new pk.TimeoutError('Request timed out.'), new pk.NetworkError('Connection closed.')]);
    const failure = asBrokerFailure(error);
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
  });

  it('says why the broker refused a request, not only which request failed', () => {
    const error = new pk.MultipleErrors('Producing messages failed.', [new pk.ProtocolError('MESSAGE_TOO_LARGE')]);
    const failure = asBrokerFailure(error) as Error;
    expect(failure).not.toBeInstanceOf(DependencyUnavailableError);
    expect(failure.message).toMatch(/^Producing messages failed\. .*larger than the max message size/);
    expect(failure.cause).toBe(error);
  });

  it('leaves an error without inner reasons as it was', () => {
    const plain = new Error('boom');
    expect(asBrokerFailure(plain)).toBe(plain);
  });
});
