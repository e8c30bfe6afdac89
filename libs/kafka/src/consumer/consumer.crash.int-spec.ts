import { randomGroupId, randomTopicName, waitFor } from '@sluice/testing';
import type { KafkaDriver } from '../port/driver.port';
import { committedOffsets, createRandomTopic, deleteTopics, produceFixtures, spawnFixture, testKafka, type FixtureProcess } from '../testing';

interface LogLine {
  time: number;
  msg?: string;
  ready?: boolean;
  reason?: string;
}

function logLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

describe('a consumer that cannot go on ends its process (real broker)', () => {
  let kafka: KafkaDriver;
  let child: FixtureProcess | undefined;
  const topics: string[] = [];

  beforeAll(() => {
    kafka = testKafka();
  });

  afterAll(async () => {
    if (child && !child.exit()) child.child.kill('SIGKILL');
    await deleteTopics(kafka, topics);
  });

  it('reports not ready and exits non-zero when a poison message cannot be dead-lettered', async () => {
    const topic = await createRandomTopic(kafka, { prefix: 'crash' });
    topics.push(topic);
    const groupId = randomGroupId('crash');
    const deadLetterTopic = randomTopicName('missing-dlq');
    await produceFixtures(kafka, topic, [{ key: 'poison', value: Buffer.from('not json at all') }]);

    child = spawnFixture('crashing.service', { topic, groupId, deadLetterTopic });
    const exit = await waitFor(() => child!.exit(), {
      timeoutMs: 60_000,
      description: 'the service to exit',
    });

    const lines = logLines(child.stdout());
    expect(exit.code).toBe(1);
    const ready = lines.findIndex((line) => line.ready === true);
    const notReady = lines.findIndex((line) => line.ready === false && line.msg === 'kafka consumer is not ready: crashed');
    const exiting = lines.findIndex((line) => line.msg?.includes('exiting so the process is restarted'));
    expect(ready).toBeGreaterThanOrEqual(0);
    expect(notReady).toBeGreaterThanOrEqual(0);
    expect(exiting).toBeGreaterThanOrEqual(0);
    // By when each was logged: pino writes asynchronously and the exit flushes what is queued at once,
    // so the last lines can reach stdout in another order than they were logged.
    expect(lines[notReady]!.time).toBeGreaterThanOrEqual(lines[ready]!.time);
    expect(lines[exiting]!.time).toBeGreaterThanOrEqual(lines[notReady]!.time);
    expect(lines[notReady]!.reason).toContain(deadLetterTopic);
    // The poison message was neither parked nor skipped: it is still there for the next consumer.
    expect((await committedOffsets(kafka, groupId, topic)).get(0)).toBe(-1);
  });
});
