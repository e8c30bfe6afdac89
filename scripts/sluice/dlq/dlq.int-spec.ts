import { buildDeadLetterHeaders, type ConsumedMessage, type KafkaDriver } from '@sluice/kafka';
import { collectMessages, createRandomTopic, deleteTopics, type MessageCollector, produceFixtures, testKafka } from '@sluice/kafka/testing';
import { createTestDatabase, type TestDatabase } from '@sluice/ledger/testing/test-database';
import { waitFor } from '@sluice/testing';
import { sluice, type SluiceRun } from '../testing/sluice.process';

/** Each command is a process of its own (npx, tsx, a broker connection): several seconds apiece on a loaded machine. */
const SEVERAL_COMMANDS_MS = 240_000;

interface Listed {
  dlqPartition: number;
  dlqOffset: string;
  originalTopic: string;
  code: string;
  tenant: string | null;
  requestId: string | null;
  disposition: string | null;
  value: string;
}

describe('npx sluice dlq (real broker and database, a dead-letter topic of its own)', () => {
  let kafka: KafkaDriver;
  let database: TestDatabase;
  let dlqTopic: string;
  let requests: string;
  let accepted: string;
  const collectors: MessageCollector[] = [];

  /** Dead-letters `value` as the consumer runner does: original key and value, the reason and origin in headers. */
  function deadLetter(topic: string, offset: number, value: string, code: string, key: string) {
    const original: ConsumedMessage = {
      topic,
      partition: 0,
      offset: String(offset),
      key: Buffer.from(key),
      value: Buffer.from(value),
      headers: { 'x-correlation-id': `corr-${key}` },
      timestamp: String(Date.now()),
    };
    return { key: original.key, value: original.value, headers: buildDeadLetterHeaders(original, { code, message: `${code} at ${offset}`, attempts: 4 }) };
  }

  async function dlq(...args: string[]): Promise<SluiceRun> {
    const run = await sluice(['dlq', ...args, '--dlq-topic', dlqTopic], {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    }).done;
    if (run.code !== 0) throw new Error(`sluice dlq ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    return run;
  }

  async function listed(...filters: string[]): Promise<Listed[]> {
    const { stdout } = await dlq('list', '--json', ...filters);
    return stdout.trim() === ''
      ? []
      : stdout
          .trim()
          .split('\n')
          .map((row) => JSON.parse(row) as Listed);
  }

  /**
   * Everything that reaches `topic` before a marker produced now: the topic has one partition, so a
   * replay that finished before the marker was sent is read before it.
   */
  async function arrivedBeforeMarker(collector: MessageCollector, topic: string): Promise<ConsumedMessage[]> {
    const marker = `marker-${collectors.indexOf(collector)}-${collector.messages.length}`;
    await produceFixtures(kafka, topic, [{ key: marker, value: { marker } }]);
    await waitFor(() => collector.messages.some((message) => message.key?.toString() === marker), { description: `${marker} on ${topic}` });
    return collector.messages.filter((message) => !message.key?.toString().startsWith('marker-'));
  }

  beforeAll(async () => {
    kafka = testKafka();
    database = await createTestDatabase();
    dlqTopic = await createRandomTopic(kafka, { prefix: 'dlq', partitions: 2 });
    requests = await createRandomTopic(kafka, { prefix: 'dlq-requests' });
    accepted = await createRandomTopic(kafka, { prefix: 'dlq-accepted' });
    await produceFixtures(kafka, dlqTopic, [
      { ...deadLetter(accepted, 10, JSON.stringify({ tenant: 'acme', requestId: 'r-1' }), 'RETRIES_EXHAUSTED', 'acme:r-1'), partition: 0 },
      { ...deadLetter(accepted, 11, JSON.stringify({ tenant: 'globex', requestId: 'r-2' }), 'RETRIES_EXHAUSTED', 'globex:r-2'), partition: 1 },
      { ...deadLetter(requests, 20, 'not json', 'INVALID_JSON', 'k-3'), partition: 0 },
      { ...deadLetter(requests, 21, JSON.stringify({ tenant: 'acme', id: 'r-4' }), 'VALIDATION_FAILED', 'acme:r-4'), partition: 1 },
    ]);
  });

  afterAll(async () => {
    await Promise.all(collectors.map((collector) => collector.stop()));
    await database?.drop();
    if (kafka) await deleteTopics(kafka, [dlqTopic, requests, accepted].filter(Boolean));
  });

  it(
    'lists every entry, and only the ones matching reason, tenant, original topic and time',
    async () => {
      const all = await listed();
      expect(all.map((entry) => [entry.code, entry.tenant, entry.requestId, entry.originalTopic]).sort()).toEqual(
        [
          ['INVALID_JSON', null, null, requests],
          ['RETRIES_EXHAUSTED', 'acme', 'r-1', accepted],
          ['RETRIES_EXHAUSTED', 'globex', 'r-2', accepted],
          ['VALIDATION_FAILED', 'acme', 'r-4', requests],
        ].sort(),
      );
      expect((await listed('--reason', 'RETRIES_EXHAUSTED')).map((entry) => entry.requestId).sort()).toEqual(['r-1', 'r-2']);
      expect((await listed('--tenant', 'acme', '--topic', requests)).map((entry) => entry.requestId)).toEqual(['r-4']);
      expect(await listed('--until', '2000-01-01T00:00:00Z')).toEqual([]);
      expect(await listed('--since', '1h', '--limit', '3')).toHaveLength(3);

      const text = await dlq('list', '--tenant', 'globex');
      expect(text.stdout).toMatch(
        new RegExp(`^1/\\d+  \\S+Z  ${accepted.replace(/\./g, '\\.')}\\[0\\]@11  RETRIES_EXHAUSTED  tenant=globex request=r-2  RETRIES_EXHAUSTED at 11\\n$`),
      );
      expect(text.stderr).toContain(`1 entry on ${dlqTopic}`);
    },
    SEVERAL_COMMANDS_MS,
  );

  it(
    'replays one reason to its original topic without the dead-letter headers, and a second replay replays nothing',
    async () => {
      const onAccepted = await collectMessages(kafka, accepted);
      collectors.push(onAccepted);

      const first = await dlq('replay', '--reason', 'RETRIES_EXHAUSTED');
      expect(first.stderr).toContain('replayed 2 of 2 selected');
      const replayed = await arrivedBeforeMarker(onAccepted, accepted);
      expect(replayed.map((message) => message.key?.toString()).sort()).toEqual(['acme:r-1', 'globex:r-2']);
      for (const message of replayed) {
        expect(
          Object.keys(message.headers).filter(
            (name) => name.startsWith('x-sluice-error') || name.startsWith('x-sluice-original') || name === 'x-sluice-attempts',
          ),
        ).toEqual([]);
        expect(message.headers['x-correlation-id']).toBe(`corr-${message.key?.toString()}`);
        expect(message.headers['x-sluice-replayed-from']).toMatch(new RegExp(`^${dlqTopic.replace(/\./g, '\\.')}/[01]/\\d+$`));
      }
      expect(replayed.find((message) => message.key?.toString() === 'acme:r-1')?.value?.toString()).toBe(JSON.stringify({ tenant: 'acme', requestId: 'r-1' }));

      const second = await dlq('replay', '--reason', 'RETRIES_EXHAUSTED');
      expect(second.stdout).toBe('');
      expect(second.stderr).toContain('replayed 0 of 0 selected');
      expect(await arrivedBeforeMarker(onAccepted, accepted)).toHaveLength(2);

      // Listed no more, unless asked for.
      expect((await listed()).map((entry) => entry.code).sort()).toEqual(['INVALID_JSON', 'VALIDATION_FAILED']);
      expect((await listed('--all', '--reason', 'RETRIES_EXHAUSTED')).map((entry) => entry.disposition)).toEqual(['replayed', 'replayed']);
    },
    SEVERAL_COMMANDS_MS,
  );

  it(
    'drops an entry: list hides it and replay skips it',
    async () => {
      const [unreadable] = await listed('--reason', 'INVALID_JSON');
      const dropped = await dlq('drop', '--entry', `${unreadable.dlqPartition}/${unreadable.dlqOffset}`);
      expect(dropped.stdout).toBe(`dropped ${dlqTopic}/${unreadable.dlqPartition}/${unreadable.dlqOffset}\n`);

      expect((await listed()).map((entry) => entry.code)).toEqual(['VALIDATION_FAILED']);
      expect((await listed('--all')).find((entry) => entry.code === 'INVALID_JSON')?.disposition).toBe('dropped');

      const onRequests = await collectMessages(kafka, requests);
      collectors.push(onRequests);
      const replay = await dlq('replay');
      expect(replay.stderr).toContain('replayed 1 of 1 selected');
      expect((await arrivedBeforeMarker(onRequests, requests)).map((message) => message.key?.toString())).toEqual(['acme:r-4']);
      expect(await listed()).toEqual([]);
    },
    SEVERAL_COMMANDS_MS,
  );
});
