import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomGroupId, waitFor } from '@sluice/testing';
import type { KafkaDriver } from '../port/driver.port';
import { committedOffsets, createRandomTopic, deleteTopics, fastSession, produceFixtures, spawnFixture, testKafka, type FixtureProcess } from '../testing';
import { ConsumerRunner } from './consumer.runner';

interface Handled {
  id: string;
  partition: number;
  offset: number;
}

function readRecords(file: string): Handled[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Handled);
}

describe('ConsumerRunner at-least-once across a killed consumer (real broker)', () => {
  let kafka: KafkaDriver;
  let workDir: string;
  let child: FixtureProcess | undefined;
  let runner: ConsumerRunner | undefined;
  const topics: string[] = [];

  beforeAll(() => {
    kafka = testKafka();
    workDir = mkdtempSync(path.join(tmpdir(), 'sluice-kafka-alo-'));
  });

  afterAll(async () => {
    if (child && !child.exit()) child.child.kill('SIGKILL');
    await runner?.stop();
    await deleteTopics(kafka, topics);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('hands every message to the group at least once when a consumer is SIGKILLed mid-batch', async () => {
    const partitions = 2;
    const topic = await createRandomTopic(kafka, { partitions, prefix: 'at-least-once' });
    topics.push(topic);
    const ids = Array.from({ length: 60 }, (_, index) => `m-${index}`);
    await produceFixtures(
      kafka,
      topic,
      ids.map((id, index) => ({ key: id, value: { id }, partition: index % partitions })),
    );
    const groupId = randomGroupId('at-least-once');
    const recordFile = path.join(workDir, 'first.jsonl');
    const stallAfter = 20;

    child = spawnFixture('at-least-once.consumer', { topic, groupId, recordFile, stallAfter });
    await waitFor(() => readRecords(recordFile).length >= stallAfter, {
      timeoutMs: 60_000,
      description: `the child to handle ${stallAfter} messages (stderr: ${child.stderr()})`,
    });
    child.child.kill('SIGKILL');
    await waitFor(() => child!.exit(), { timeoutMs: 10_000, description: 'the child to die' });
    const first = readRecords(recordFile);
    expect(first).toHaveLength(stallAfter);

    const committed = await committedOffsets(kafka, groupId, topic);
    const resumeAt = (partition: number): number => Math.max(0, committed.get(partition) ?? -1);

    // Commits only ever follow handling: everything below a committed offset was handled.
    for (let partition = 0; partition < partitions; partition += 1) {
      const handledOffsets = new Set(first.filter((record) => record.partition === partition).map((record) => record.offset));
      for (let offset = 0; offset < resumeAt(partition); offset += 1) {
        expect(handledOffsets.has(offset)).toBe(true);
      }
    }

    const second: Handled[] = [];
    runner = new ConsumerRunner({
      kafka,
      groupId,
      topics: [topic],
      session: fastSession,
      onFatal: () => undefined,
      handle: (value, context) => {
        second.push({ id: (value as { id: string }).id, partition: context.partition, offset: Number(context.offset) });
      },
    });
    await runner.start();
    const handledIds = (): Set<string> => new Set([...first, ...second].map((record) => record.id));
    await waitFor(() => handledIds().size === ids.length, {
      timeoutMs: 60_000,
      description: 'every id handled by one of the two consumers',
    });
    await runner.stop();

    // Nothing skipped: the union is every id.
    expect([...handledIds()].sort()).toEqual([...ids].sort());
    // The second consumer resumed exactly at the committed offsets, each message once, in order.
    for (let partition = 0; partition < partitions; partition += 1) {
      const resumed = second.filter((record) => record.partition === partition).map((record) => record.offset);
      const end = ids.filter((_, index) => index % partitions === partition).length;
      expect(resumed).toEqual(Array.from({ length: end - resumeAt(partition) }, (_, index) => resumeAt(partition) + index));
    }
    // Duplicates are only the handled-but-uncommitted tail of the killed consumer.
    // The killed consumer's last message was handled but its commit never happened: it is the one duplicate.
    const duplicates = first.filter((record) => second.some((again) => again.id === record.id));
    expect(duplicates).toEqual([first[first.length - 1]]);
    expect(duplicates[0]!.offset).toBe(resumeAt(duplicates[0]!.partition));
  });
});
