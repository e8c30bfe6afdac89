import type { fetchV17 } from '@platformatic/kafka';
import { decodePartition } from './platformatic.records';

type Batch = NonNullable<fetchV17.FetchResponsePartition['records']>[number];

function batch(firstOffset: bigint, count: number, attributes = 0): Batch {
  return {
    firstOffset,
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes,
    lastOffsetDelta: count - 1,
    firstTimestamp: 1_700_000_000_000n,
    maxTimestamp: 1_700_000_000_000n,
    producerId: -1n,
    producerEpoch: -1,
    firstSequence: -1,
    records: Array.from({ length: count }, (_, index) => ({
      length: 0,
      attributes: 0,
      timestampDelta: BigInt(index),
      offsetDelta: index,
      key: Buffer.from(`k${index}`),
      value: Buffer.from(`v${index}`),
      headers: [[Buffer.from('h'), Buffer.from(`x${index}`)]] as Array<[Buffer | null, Buffer | null]>,
    })),
  } as Batch;
}

function partition(records: Batch[]): fetchV17.FetchResponsePartition {
  return {
    partitionIndex: 3,
    errorCode: 0,
    highWatermark: 0n,
    lastStableOffset: 0n,
    logStartOffset: 0n,
    abortedTransactions: [],
    preferredReadReplica: -1,
    records,
  };
}

describe('decodePartition', () => {
  it("maps records to the port's messages, skipping those before the offset asked for", () => {
    const { messages, next } = decodePartition('t', partition([batch(10n, 3), batch(13n, 2)]), 11n);
    expect(messages.map((message) => message.offset)).toEqual(['11', '12', '13', '14']);
    expect(next).toBe(15n);
    expect(messages[0]).toEqual({
      topic: 't',
      partition: 3,
      offset: '11',
      key: Buffer.from('k1'),
      value: Buffer.from('v1'),
      headers: { h: 'x1' },
      timestamp: '1700000000001',
    });
  });

  it('moves past transaction markers without handing them out', () => {
    const { messages, next } = decodePartition('t', partition([batch(20n, 1, 0b100000)]), 20n);
    expect(messages).toEqual([]);
    expect(next).toBe(21n);
  });

  it('leaves the position alone when nothing came', () => {
    expect(decodePartition('t', partition([]), 5n)).toEqual({ messages: [], next: undefined });
  });
});
