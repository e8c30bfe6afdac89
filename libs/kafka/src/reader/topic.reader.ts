import { randomUUID } from 'node:crypto';
import { withAdmin } from '../admin/kafka.admin';
import type { KafkaDriver } from '../port/driver.port';
import type { ConsumedMessage } from '../port/message.types';

/**
 * Reads every record of `topic` from its earliest retained offset up to the end it had when the read
 * started, in offset order per partition, and then returns. A throwaway group that never commits does
 * the fetching: the read leaves no position behind and never moves a service's group.
 *
 * The end is "the record at high watermark - 1 was seen", which holds for topics written without
 * transactions and not compacted (no gaps before the end), such as the dead-letter topic.
 */
export async function readTopicToEnd(kafka: KafkaDriver, topic: string, each: (message: ConsumedMessage) => void | Promise<void>): Promise<void> {
  const watermarks = await withAdmin(kafka, async (admin) => {
    // Asked first: the offsets request for a missing topic fails only after the driver's retries, with the broker's wording.
    if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic ${topic} does not exist`);
    return admin.topicOffsets(topic);
  });
  const ends = new Map(watermarks.filter((w) => BigInt(w.high) > BigInt(w.low)).map((w) => [w.partition, BigInt(w.high)]));
  if (ends.size === 0) return;

  const consumer = kafka.consumer({ groupId: `sluice-reader-${randomUUID()}`, maxWaitTimeMs: 100 });
  let finished!: () => void;
  let failed!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  consumer.onCrash(({ error, restart }) => {
    if (!restart) failed(error);
  });
  await consumer.connect();
  try {
    await consumer.subscribe([topic], true);
    await consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          const end = ends.get(batch.partition);
          if (end === undefined) return;
          const offset = BigInt(message.offset);
          if (offset < end) {
            try {
              await each(message);
            } catch (error) {
              // Not the driver's to retry: the caller's failure ends the read.
              failed(error as Error);
              return;
            }
          }
          batch.resolveOffset(message.offset);
          if (offset + 1n >= end) {
            ends.delete(batch.partition);
            if (ends.size === 0) finished();
          }
        }
      },
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
}
