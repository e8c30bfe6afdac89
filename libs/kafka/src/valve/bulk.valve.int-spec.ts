import { randomGroupId, waitFor } from '@sluice/testing';
import { ConsumerRunner } from '../consumer/consumer.runner';
import type { KafkaDriver } from '../port/driver.port';
import { createRandomTopic, deleteTopics, fastSession, produceFixtures, testKafka } from '../testing';
import { BulkValve, TopicWatermarks } from './bulk.valve';
import type { ValvePolicy } from './valve.policy';

const policy: ValvePolicy = { dutyPercent: 50, holdMs: 60_000, probeIntervalMs: 50, maxRestMs: 100 };

describe('BulkValve (real broker)', () => {
  let kafka: KafkaDriver;
  const topics: string[] = [];
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(() => {
    kafka = testKafka();
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  afterAll(async () => {
    await deleteTopics(kafka, topics);
  });

  async function topic(prefix: string, partitions: number): Promise<string> {
    const name = await createRandomTopic(kafka, { partitions, prefix });
    topics.push(name);
    return name;
  }

  function valveOn(signalTopic: string): { valve: BulkValve; reads: () => number } {
    const watermarks = new TopicWatermarks(kafka.admin(), [signalTopic]);
    closers.push(() => watermarks.close());
    let reads = 0;
    const valve = new BulkValve(async () => {
      const marks = await watermarks.read();
      reads += 1;
      return marks;
    }, policy);
    return { valve, reads: () => reads };
  }

  /** Asks the valve, as work does, until it narrows (it reads the signal only when asked). */
  async function untilNarrow(valve: BulkValve): Promise<void> {
    await waitFor(
      async () => {
        (await valve.admit())();
        return valve.narrow;
      },
      { timeoutMs: 15_000, intervalMs: 20, description: 'the valve to narrow' },
    );
  }

  it('narrows once the urgent topic grows, not before', async () => {
    const urgent = await topic('valve-urgent', 2);
    const { valve, reads } = valveOn(urgent);
    // Several reads of a quiet topic: still open.
    await waitFor(
      async () => {
        (await valve.admit())();
        return reads() >= 3;
      },
      { timeoutMs: 15_000, intervalMs: 20, description: 'three reads of the signal' },
    );
    expect(valve.narrow).toBe(false);

    await produceFixtures(kafka, urgent, [{ value: { id: 'urgent-1' }, partition: 1 }]);
    await untilNarrow(valve);
  });

  it('makes a deferrable consumer take its slices one at a time while urgent work flows, and still handle them all', async () => {
    const urgent = await topic('valve-urgent', 1);
    const partitions = 4;
    const bulk = await topic('valve-bulk', partitions);
    const ids = Array.from({ length: 40 }, (_, index) => `b-${index}`);
    await produceFixtures(
      kafka,
      bulk,
      ids.map((id, index) => ({ value: { id }, partition: index % partitions })),
    );
    const { valve, reads } = valveOn(urgent);
    (await valve.admit())();
    await waitFor(() => reads() >= 1, { timeoutMs: 15_000, description: 'the first read of the signal' });
    await produceFixtures(kafka, urgent, [{ value: { id: 'urgent-1' } }]);
    await untilNarrow(valve);

    const handled = new Set<string>();
    let inFlight = 0;
    let mostInFlight = 0;
    const runner = new ConsumerRunner<{ id: string }>({
      kafka,
      groupId: randomGroupId('valve'),
      topics: [bulk],
      session: fastSession,
      partitionsConsumedConcurrently: partitions,
      maxBatchSize: 5,
      valve,
      onFatal: () => undefined,
      handleBatch: async (messages) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // A few turns of the event loop: without the valve, other partitions' slices start meanwhile.
        for (let turn = 0; turn < 5; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
        for (const message of messages) handled.add(message.value.id);
        inFlight -= 1;
      },
    });
    closers.push(() => runner.stop());
    await runner.start();
    await waitFor(() => handled.size === ids.length, { timeoutMs: 30_000, description: 'every bulk message handled' });
    expect(mostInFlight).toBe(1);
    expect(valve.narrow).toBe(true);
  });
});
