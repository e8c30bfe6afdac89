import { decodeHeaders, fromKafkaJsMessage } from './kafkajs.message';

describe('decodeHeaders', () => {
  it('decodes buffers as UTF-8 and keeps strings', () => {
    expect(decodeHeaders({ a: Buffer.from('é1'), b: 'two' })).toEqual({ a: 'é1', b: 'two' });
  });

  it('keeps the last value of a repeated header and drops undefined ones', () => {
    expect(decodeHeaders({ a: [Buffer.from('first'), 'last'], b: undefined })).toEqual({ a: 'last' });
  });

  it('returns an empty record when the message has no headers', () => {
    expect(decodeHeaders(undefined)).toEqual({});
  });
});

describe('fromKafkaJsMessage', () => {
  it('keeps key, value, offset and timestamp as sent', () => {
    const message = fromKafkaJsMessage('t', 3, {
      key: Buffer.from('k'),
      value: null,
      offset: '42',
      timestamp: '1700000000000',
      attributes: 0,
      headers: { h: Buffer.from('v') },
    });
    expect(message).toEqual({
      topic: 't',
      partition: 3,
      offset: '42',
      key: Buffer.from('k'),
      value: null,
      headers: { h: 'v' },
      timestamp: '1700000000000',
    });
  });
});
