import { withAdmin } from '../admin/kafka.admin';
import type { KafkaDriver } from '../port/driver.port';

/** The group's committed offset per partition of `topic` (-1 where nothing was committed). */
export async function committedOffsets(kafka: KafkaDriver, groupId: string, topic: string): Promise<Map<number, number>> {
  const offsets = await withAdmin(kafka, (admin) => admin.committedOffsets(groupId, topic));
  return new Map(offsets.map(({ partition, offset }) => [partition, Number(offset)]));
}

/** How many records each partition of `topic` holds (its high watermark, as nothing is deleted in tests). */
export async function topicEndOffsets(kafka: KafkaDriver, topic: string): Promise<Map<number, number>> {
  const offsets = await withAdmin(kafka, (admin) => admin.topicOffsets(topic));
  return new Map(offsets.map(({ partition, high }) => [partition, Number(high)]));
}
