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
 * Reads a topic into an array; pair it with waitFor: `await waitFor(() => collector.messages.length === 3, ...)`.
 * From the beginning by default (a topic made for the test); `fromEnd` for a shared topic, whose
 * history can be long: then it resolves once its first fetch settled the group at the topic's end,
 * so nothing produced after it returns is missed.
 */
export async function collectMessages(kafka: KafkaDriver, topic: string, options: { fromEnd?: boolean } = {}): Promise<MessageCollector> {
  const messages: ConsumedMessage[] = [];
  const consumer = kafka.consumer({ groupId: randomGroupId('collector'), ...fastSession });
  let fetched!: () => void;
  const firstFetch = new Promise<void>((resolve) => (fetched = resolve));
  consumer.onFetch(() => fetched());
  await consumer.connect();
  try {
    await consumer.subscribe([topic], options.fromEnd !== true);
    await consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          messages.push(message);
          batch.resolveOffset(message.offset);
        }
      },
    });
    if (options.fromEnd) await firstFetch;
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return { messages, stop: () => consumer.disconnect() };
}
