import { brokerList, localBrokerEndpoint } from './broker.endpoint';

describe('localBrokerEndpoint', () => {
  it('derives the controller port from a loopback broker address', () => {
    expect(localBrokerEndpoint('127.0.0.1:19092')).toEqual({ host: '127.0.0.1', port: 19092, controllerPort: 19093 });
    expect(localBrokerEndpoint(' localhost:9092 ')).toEqual({ host: 'localhost', port: 9092, controllerPort: 9093 });
    expect(localBrokerEndpoint('[::1]:9092')).toEqual({ host: '[::1]', port: 9092, controllerPort: 9093 });
  });

  it('refuses anything that is not exactly one loopback address', () => {
    expect(localBrokerEndpoint('kafka:9092')).toBeUndefined();
    expect(localBrokerEndpoint('10.0.0.5:9092')).toBeUndefined();
    expect(localBrokerEndpoint('127.0.0.1:9092,127.0.0.1:9094')).toBeUndefined();
    expect(localBrokerEndpoint('127.0.0.1')).toBeUndefined();
    expect(localBrokerEndpoint('127.0.0.1:65535')).toBeUndefined();
  });
});

describe('brokerList', () => {
  it('splits, trims and drops empty entries', () => {
    expect(brokerList('a:1, b:2,,')).toEqual(['a:1', 'b:2']);
  });
});
