import type { fetchV17 } from '@platformatic/kafka';
import type { ConsumedMessage, MessageHeaders } from '../../port/message.types';

// Bit 5 of a record batch's attributes: a transaction marker, not a record anyone produced.
const IS_CONTROL = 0b100000;

export interface DecodedPartition {
  messages: ConsumedMessage[];
  /** Where the next fetch starts: past every batch the broker returned, control batches included. */
  next: bigint | undefined;
}

function decodeHeaders(headers: ReadonlyArray<[Buffer | null, Buffer | null]>): MessageHeaders {
  const decoded: MessageHeaders = {};
  for (const [name, value] of headers) {
    if (name === null) continue;
    decoded[name.toString('utf8')] = value === null ? '' : value.toString('utf8');
  }
  return decoded;
}

/**
 * The records of one partition of a fetch response, as the port's messages. The broker returns
 * whole record batches, so the first may start before the offset asked for: those records were
 * handed out already and are skipped.
 */
export function decodePartition(topic: string, response: fetchV17.FetchResponsePartition, requested: bigint): DecodedPartition {
  const messages: ConsumedMessage[] = [];
  let next: bigint | undefined;
  for (const batch of response.records ?? []) {
    next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
    if (batch.attributes & IS_CONTROL) continue;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < requested) continue;
      messages.push({
        topic,
        partition: response.partitionIndex,
        offset: offset.toString(),
        key: record.key,
        value: record.value,
        headers: decodeHeaders(record.headers),
        timestamp: (batch.firstTimestamp + record.timestampDelta).toString(),
      });
    }
  }
  return { messages, next };
}
