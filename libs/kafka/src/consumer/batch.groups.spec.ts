import type { ConsumedMessage } from '../port/message.types';
import { splitIntoGroups } from './batch.groups';

function message(offset: number, valueBytes: number, keyBytes = 0): ConsumedMessage {
  return {
    topic: 't',
    partition: 0,
    offset: String(offset),
    key: keyBytes === 0 ? null : Buffer.alloc(keyBytes),
    value: Buffer.alloc(valueBytes),
    headers: {},
    timestamp: '0',
  };
}

const offsets = (groups: ConsumedMessage[][]): string[][] => groups.map((group) => group.map((entry) => entry.offset));

describe('splitIntoGroups', () => {
  it('cuts a fetched batch into groups of at most maxCount messages, in order', () => {
    const messages = Array.from({ length: 7 }, (_, n) => message(n, 10));
    expect(offsets(splitIntoGroups(messages, { maxCount: 3, maxBytes: 1_000 }))).toEqual([['0', '1', '2'], ['3', '4', '5'], ['6']]);
  });

  it('ends a group before the message that would take it over maxBytes, keys included', () => {
    const messages = [message(0, 40), message(1, 40), message(2, 10, 15), message(3, 90), message(4, 5)];
    expect(offsets(splitIntoGroups(messages, { maxCount: 100, maxBytes: 100 }))).toEqual([['0', '1'], ['2'], ['3', '4']]);
  });

  it('hands a message larger than maxBytes over alone rather than never', () => {
    const messages = [message(0, 10), message(1, 500), message(2, 10)];
    expect(offsets(splitIntoGroups(messages, { maxCount: 100, maxBytes: 100 }))).toEqual([['0'], ['1'], ['2']]);
  });

  it('returns nothing for an empty batch', () => {
    expect(splitIntoGroups([], { maxCount: 10, maxBytes: 100 })).toEqual([]);
  });
});
