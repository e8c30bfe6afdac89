import { Kafka, logLevel } from 'kafkajs';
import { randomTopicName } from '@sluice/testing';
import { TopicDefinition } from './topics.definition';
import { inspectTopics, provisionTopics } from './topics.provisioner';

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

describe('provisionTopics (real broker)', () => {
  const wide = randomTopicName();
  const narrow = randomTopicName();
  const admin = new Kafka({ clientId: 'provisioner-int-spec', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics: [wide, narrow] });
    await admin.disconnect();
  });

  const definitions = (widePartitions: number, retentionMs: string): TopicDefinition[] => [
    { name: wide, partitions: widePartitions, config: { 'retention.ms': retentionMs, 'cleanup.policy': 'delete' } },
    { name: narrow, partitions: 1, config: {} },
  ];

  it('creates, then finds nothing to do, then grows and reconfigures, and reports what it cannot shrink', async () => {
    const created = await provisionTopics(brokers, definitions(2, '60000'));
    expect(created.applied).toEqual([`create ${wide} (2 partitions)`, `create ${narrow} (1 partitions)`]);
    const metadata = await admin.fetchTopicMetadata({ topics: [wide, narrow] });
    expect(metadata.topics.map((t) => [t.name, t.partitions.length])).toEqual(
      expect.arrayContaining([
        [wide, 2],
        [narrow, 1],
      ]),
    );

    const again = await provisionTopics(brokers, definitions(2, '60000'));
    expect(again.applied).toEqual([]);
    expect(again.plan.unchanged).toEqual([wide, narrow]);

    const changed = await provisionTopics(brokers, definitions(4, '120000'));
    expect(changed.applied).toEqual([`grow ${wide} from 2 to 4 partitions`, `configure ${wide}: retention.ms 60000 -> 120000`]);
    const settled = await inspectTopics(brokers, definitions(4, '120000'));
    expect(settled).toEqual({ actions: [], drift: [], unchanged: [wide, narrow] });

    const shrink = await provisionTopics(brokers, definitions(3, '120000'));
    expect(shrink.applied).toEqual([]);
    expect(shrink.plan.drift).toEqual([{ name: wide, reason: expect.stringContaining('has 4 partitions') }]);
  });
});
