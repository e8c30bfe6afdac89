import type { Admin, Kafka } from 'kafkajs';
import type { AdminDriver, PartitionWatermarks, TopicDefinition } from '../../port/driver.port';
import type { TopicPartitionOffset } from '../../port/message.types';

export class KafkaJsAdminDriver implements AdminDriver {
  private readonly admin: Admin;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async createTopics(topics: readonly TopicDefinition[]): Promise<void> {
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: topic.replicationFactor ?? -1,
        configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      })),
    });
  }

  deleteTopics(names: readonly string[]): Promise<void> {
    return this.admin.deleteTopics({ topics: [...names] });
  }

  async topicOffsets(topic: string): Promise<PartitionWatermarks[]> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.map(({ partition, low, high }) => ({ partition, low, high }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return (committed?.partitions ?? []).map(({ partition, offset }) => ({ topic, partition, offset }));
  }
}
