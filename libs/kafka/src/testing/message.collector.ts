import { randomGroupId } from '@sluice/testing';
import type { KafkaDriver } from '../port/driver.port';
import type { ConsumedMessage } from '../port/message.types';
import { fastSession } from './test-kafka';

export interface MessageCollector {
  /** Everything read so far, in arrival order. */
  readonly messages: ConsumedMessage[];
  stop(): Promise<void>;
}

/**
 * Reads a topic from the beginning into an array (a fresh group, nothing committed); pair it with
 * waitFor: `await waitFor(() => collector.messages.length === 3, ...)`. Resolves once the group is joined.
 */
export async function collectMessages(kafka: KafkaDriver, topic: string): Promise<MessageCollector> {
  const messages: ConsumedMessage[] = [];
  const consumer = kafka.consumer({ groupId: randomGroupId('collector'), ...fastSession });
  await consumer.connect();
  try {
    await consumer.subscribe([topic], true);
    await consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          messages.push(message);
          batch.resolveOffset(message.offset);
        }
      },
    });
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return { messages, stop: () => consumer.disconnect() };
}
