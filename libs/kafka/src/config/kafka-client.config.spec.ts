import { parseBrokerList } from './kafka-client.config';

describe('parseBrokerList', () => {
  it('splits and trims a comma-separated list', () => {
    expect(parseBrokerList(' 127.0.0.1:9092, kafka-2:19092 ,')).toEqual(['127.0.0.1:9092', 'kafka-2:19092']);
  });

  it('rejects an empty list', () => {
    expect(() => parseBrokerList(' , ')).toThrow('broker list is empty');
  });

  it('rejects an entry without a port', () => {
    expect(() => parseBrokerList('localhost')).toThrow('"localhost" is not host:port');
  });
});
