import type { ConsumedMessage } from '../port/message.types';

export interface GroupLimits {
  /** At most this many messages in a group. */
  maxCount: number;
  /** At most this many bytes of keys and values in a group, unless one message alone is larger. */
  maxBytes: number;
}

function sizeOf(message: ConsumedMessage): number {
  return (message.key?.length ?? 0) + (message.value?.length ?? 0);
}

/**
 * Splits a fetched batch into the groups handed to a handler at once, in order: a group ends before
 * the message that would take it over either limit. A message larger than maxBytes forms a group of
 * its own, so every message is handed over.
 */
export function splitIntoGroups(messages: readonly ConsumedMessage[], limits: GroupLimits): ConsumedMessage[][] {
  const groups: ConsumedMessage[][] = [];
  let group: ConsumedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    if (group.length > 0 && (group.length >= limits.maxCount || bytes + size > limits.maxBytes)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(message);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
