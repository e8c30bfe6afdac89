import type { ConsumedMessage } from '../port/message.types';
import { buildDeadLetterHeaders } from './dead-letter.headers';
import { entryJson, readDlqEntry, UNKNOWN_REASON } from './dlq.entry';

function dead(value: string | null, failure = { code: 'RETRIES_EXHAUSTED', message: 'provider\nkept failing', attempts: 4 }): ConsumedMessage {
  const original: ConsumedMessage = {
    topic: 'sluice.accepted.v1',
    partition: 2,
    offset: '1234',
    key: Buffer.from('acme:r-1'),
    value: value === null ? null : Buffer.from(value),
    headers: { 'x-correlation-id': 'c-1' },
    timestamp: '1700000000000',
  };
  return { ...original, topic: 'sluice.dlq.v1', partition: 0, offset: '17', timestamp: '1893456000000', headers: buildDeadLetterHeaders(original, failure) };
}

describe('readDlqEntry', () => {
  it('reads the reason and origin from the headers and who from a JSON value', () => {
    expect(readDlqEntry(dead(JSON.stringify({ tenant: 'acme', id: 'r-1' })))).toMatchObject({
      partition: 0,
      offset: '17',
      timestampMs: 1893456000000,
      originalTopic: 'sluice.accepted.v1',
      originalPartition: 2,
      originalOffset: '1234',
      errorCode: 'RETRIES_EXHAUSTED',
      errorMessage: 'provider\nkept failing',
      attempts: 4,
      tenant: 'acme',
      requestId: 'r-1',
    });
  });

  it('prefers requestId, the field of results and lane messages, to id', () => {
    expect(readDlqEntry(dead(JSON.stringify({ tenant: 'acme', requestId: 'r-2', id: 'res-9' })))).toMatchObject({ requestId: 'r-2' });
  });

  it('leaves who out when the value is not a JSON object naming it', () => {
    for (const value of ['not json', '[1,2]', '"acme"', JSON.stringify({ tenant: 42, id: '' }), null]) {
      const entry = readDlqEntry(dead(value));
      expect(entry.tenant).toBeUndefined();
      expect(entry.requestId).toBeUndefined();
    }
  });

  it('files a record without dead-letter headers under UNKNOWN, with no origin to replay to', () => {
    const entry = readDlqEntry({ topic: 'sluice.dlq.v1', partition: 1, offset: '3', key: null, value: Buffer.from('x'), headers: {}, timestamp: '0' });
    expect(entry).toMatchObject({ errorCode: UNKNOWN_REASON, errorMessage: '', originalTopic: undefined, attempts: undefined });
  });
});

describe('entryJson', () => {
  const entry = readDlqEntry(dead(JSON.stringify({ tenant: 'acme', id: 'r-1' })));

  it('gives the same as JSON, with key and value as text', () => {
    expect(entryJson(entry, 'replayed')).toEqual({
      dlqPartition: 0,
      dlqOffset: '17',
      time: '2030-01-01T00:00:00.000Z',
      originalTopic: 'sluice.accepted.v1',
      originalPartition: 2,
      originalOffset: '1234',
      code: 'RETRIES_EXHAUSTED',
      message: 'provider\nkept failing',
      attempts: 4,
      tenant: 'acme',
      requestId: 'r-1',
      disposition: 'replayed',
      key: 'acme:r-1',
      value: '{"tenant":"acme","id":"r-1"}',
    });
  });
});
