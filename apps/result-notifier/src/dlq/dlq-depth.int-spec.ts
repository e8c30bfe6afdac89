import { KafkaAdmin, type KafkaDriver } from '@sluice/kafka';
import { createRandomTopic, deleteTopics, produceFixtures, testKafka } from '@sluice/kafka/testing';
import { DlqDispositionsRepository } from '@sluice/ledger';
import { createTestDatabase, type TestDatabase } from '@sluice/ledger/testing/test-database';
import { measureDlqDepth } from './dlq-depth';

describe('measureDlqDepth (real broker and database)', () => {
  let kafka: KafkaDriver;
  let admin: KafkaAdmin;
  let database: TestDatabase;
  let topic: string;

  beforeAll(async () => {
    kafka = testKafka();
    admin = new KafkaAdmin(kafka);
    await admin.connect();
    database = await createTestDatabase();
    topic = await createRandomTopic(kafka, { prefix: 'dlq-depth', partitions: 2 });
  });

  afterAll(async () => {
    await admin?.disconnect();
    await database?.drop();
    if (topic) await deleteTopics(kafka, [topic]);
  });

  it('counts the entries on the topic that were neither replayed nor dropped', async () => {
    const dispositions = new DlqDispositionsRepository(database.pool);
    const measure = () =>
      measureDlqDepth(topic, { topicOffsets: (name) => admin.topicOffsets(name), countRetained: (name, lows) => dispositions.countRetained(name, lows) });
    expect(await measure()).toBe(0);

    await produceFixtures(
      kafka,
      topic,
      [0, 0, 1].map((partition, i) => ({ value: Buffer.from(`dead ${i}`), partition })),
    );
    expect(await measure()).toBe(3);

    const ref = { originalTopic: 'sluice.requests.v1', errorCode: 'INVALID_JSON' };
    await dispositions.settle(topic, 'replayed', [{ partition: 0, offset: '1', ...ref }]);
    await dispositions.settle(topic, 'dropped', [{ partition: 1, offset: '0', ...ref }]);
    await dispositions.settle(`${topic}.other`, 'dropped', [{ partition: 0, offset: '0', ...ref }]);
    expect(await measure()).toBe(1);
  });
});
