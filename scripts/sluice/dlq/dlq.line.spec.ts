import { buildDeadLetterHeaders, readDlqEntry, type ConsumedMessage } from '@sluice/kafka';
import { formatEntryLine } from './dlq.line';

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

describe('formatEntryLine', () => {
  const entry = readDlqEntry(dead(JSON.stringify({ tenant: 'acme', id: 'r-1' })));

  it('prints one line: place, time, origin, reason, who, message', () => {
    expect(formatEntryLine(entry)).toBe(
      '0/17  2030-01-01T00:00:00.000Z  sluice.accepted.v1[2]@1234  RETRIES_EXHAUSTED  tenant=acme request=r-1  provider kept failing',
    );
    expect(formatEntryLine(readDlqEntry(dead('not json')), 'dropped')).toMatch(/RETRIES_EXHAUSTED {2}- {2}provider kept failing {2}\[dropped\]$/);
  });
});
