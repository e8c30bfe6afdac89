import { randomTopicName } from '@sluice/testing';
import { withAdmin } from '../admin/kafka.admin';
import type { KafkaDriver } from '../port/driver.port';
import { KafkaProducer } from '../producer/kafka.producer';
import type { ProducerMessage } from '../producer/producer.message';

/** Creates a topic only this test uses. */
export async function createRandomTopic(
  kafka: KafkaDriver,
  { partitions = 1, prefix = 'kafka' }: { partitions?: number; prefix?: string } = {},
): Promise<string> {
  const name = randomTopicName(prefix);
  await withAdmin(kafka, (admin) => admin.ensureTopics([{ name, partitions }]));
  return name;
}

export async function deleteTopics(kafka: KafkaDriver, names: readonly string[]): Promise<void> {
  await withAdmin(kafka, (admin) => admin.deleteTopics(names));
}

/** Produces messages with a short-lived producer and waits until the broker has them all. */
export async function produceFixtures(kafka: KafkaDriver, topic: string, messages: readonly ProducerMessage[]): Promise<void> {
  const producer = new KafkaProducer(kafka);
  await producer.connect();
  try {
    await producer.send(topic, messages);
  } finally {
    await producer.disconnect();
  }
}
