import type { Admin, Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminDriver, PartitionWatermarks, TopicDefinition } from '../../port/driver.port';
import type { TopicPartitionOffset } from '../../port/message.types';
import { asSecurityFailure } from './kafkajs.errors';

// How long created topics may take to show up with leaders in the metadata, and how often to look.
const VISIBLE_WITHIN_MS = 30_000;
const VISIBLE_POLL_MS = 100;

/** The broker's "not known (yet)" answers for a topic it has just created. */
function isNotVisibleYet(error: unknown): boolean {
  const type = (error as { type?: unknown }).type;
  return type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE';
}

export class KafkaJsAdminDriver implements AdminDriver {
  private readonly admin: Admin;

  constructor(
    kafka: Kafka,
    /** Named when a broker turns the client away (see asSecurityFailure). */
    private readonly bootstrap: readonly string[] = [],
  ) {
    this.admin = kafka.admin();
  }

  connect(): Promise<void> {
    return this.admin.connect().catch((error: unknown) => {
      throw asSecurityFailure(error, this.bootstrap);
    });
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async createTopics(topics: readonly TopicDefinition[]): Promise<void> {
    try {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: topic.replicationFactor ?? -1,
          configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({ name, value: String(value) })),
        })),
      });
    } catch (error) {
      // kafkajs waits for the leaders by polling metadata, and gives up at the first "unknown topic",
      // which a busy broker answers for a moment after it created the topics: they exist, so wait on.
      if (!isNotVisibleYet(error)) throw error;
      await this.leadersOf(topics.map((topic) => topic.name));
    }
  }

  private async leadersOf(names: readonly string[]): Promise<void> {
    const deadline = Date.now() + VISIBLE_WITHIN_MS;
    for (;;) {
      try {
        const { topics } = await this.admin.fetchTopicMetadata({ topics: [...names] });
        if (topics.every(({ partitions }) => partitions.length > 0 && partitions.every(({ leader }) => leader >= 0))) return;
      } catch (error) {
        if (!isNotVisibleYet(error)) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} were created but have no leaders after ${VISIBLE_WITHIN_MS} ms`);
      await sleep(VISIBLE_POLL_MS);
    }
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
