import { Producer } from 'kafkajs';

export interface FastProduceOptions {
  /** Messages per produce request. */
  chunk: number;
  /** Produce requests in flight at once. */
  concurrency: number;
  /** Called with the first index of each chunk and its count when the chunk is handed to the producer. */
  onChunkSent?: (first: number, count: number, at: number) => void;
  onAcknowledged?: (total: number) => void;
}

export interface FastProduceOutcome {
  firstSentAt: number;
  lastAcknowledgedAt: number;
  bytes: number;
}

/**
 * Produces `count` messages as fast as one kafkajs producer can (acks=all): chunks of `chunk`
 * messages, `concurrency` requests in flight. The benchmark and its baseline produce the same way.
 */
export async function produceFast(
  producer: Producer,
  topic: string,
  count: number,
  make: (index: number) => { key: string; value: string },
  options: FastProduceOptions,
): Promise<FastProduceOutcome> {
  let next = 0;
  let acknowledged = 0;
  let bytes = 0;
  let firstSentAt: number | undefined;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const first = next;
      const end = Math.min(count, first + options.chunk);
      next = end;
      const messages = [];
      for (let index = first; index < end; index += 1) {
        const message = make(index);
        bytes += message.value.length;
        messages.push(message);
      }
      const at = Date.now();
      firstSentAt ??= at;
      options.onChunkSent?.(first, end - first, at);
      await producer.send({ topic, acks: -1, messages });
      acknowledged += end - first;
      options.onAcknowledged?.(acknowledged);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, () => lane()));
  return { firstSentAt: firstSentAt ?? Date.now(), lastAcknowledgedAt: Date.now(), bytes };
}
