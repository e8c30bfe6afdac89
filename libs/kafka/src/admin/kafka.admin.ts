import type { AdminDriver, KafkaDriver, PartitionWatermarks, TopicDefinition } from '../port/driver.port';
import type { TopicPartitionOffset } from '../port/message.types';

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

function validateDefinition(topic: TopicDefinition): void {
  if (!TOPIC_NAME.test(topic.name)) throw new Error(`invalid topic name "${topic.name}"`);
  if (!Number.isInteger(topic.partitions) || topic.partitions < 1) {
    throw new Error(`topic "${topic.name}" needs a positive partition count, got ${topic.partitions}`);
  }
}

/** Topic provisioning and offset inspection; the broker's auto-create stays off, topics are created here. */
export class KafkaAdmin {
  private readonly driver: AdminDriver;

  constructor(kafka: KafkaDriver) {
    this.driver = kafka.admin();
  }

  connect(): Promise<void> {
    return this.driver.connect();
  }

  disconnect(): Promise<void> {
    return this.driver.disconnect();
  }

  listTopics(): Promise<string[]> {
    return this.driver.listTopics();
  }

  /**
   * Creates the topics that do not exist yet (existing ones are left as they are, even if their
   * partition count or config differs). Safe to run concurrently with another provisioner.
   */
  async ensureTopics(topics: readonly TopicDefinition[]): Promise<EnsureTopicsResult> {
    topics.forEach(validateDefinition);
    const present = new Set(await this.driver.listTopics());
    const missing = topics.filter((topic) => !present.has(topic.name));
    if (missing.length > 0) await this.driver.createTopics(missing);
    return {
      created: missing.map((topic) => topic.name),
      existing: topics.filter((topic) => present.has(topic.name)).map((topic) => topic.name),
    };
  }

  /** Deletes the named topics that exist; missing ones are ignored. */
  async deleteTopics(names: readonly string[]): Promise<void> {
    const present = new Set(await this.driver.listTopics());
    const existing = names.filter((name) => present.has(name));
    if (existing.length > 0) await this.driver.deleteTopics(existing);
  }

  topicOffsets(topic: string): Promise<PartitionWatermarks[]> {
    return this.driver.topicOffsets(topic);
  }

  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    return this.driver.committedOffsets(groupId, topic);
  }
}

/** Runs `work` with a connected admin client and always disconnects it. */
export async function withAdmin<R>(kafka: KafkaDriver, work: (admin: KafkaAdmin) => Promise<R>): Promise<R> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
