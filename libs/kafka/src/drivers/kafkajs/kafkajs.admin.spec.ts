import type { Kafka } from 'kafkajs';
import { KafkaJsAdminDriver } from './kafkajs.admin';

const notYet = (type: string): Error => Object.assign(new Error('This server does not host this topic-partition'), { type });

/** An admin whose metadata answers, one call after another, from `answers` (an Error is thrown). */
function driverWith(createError: Error | undefined, answers: Array<Error | Array<{ leader: number }>>) {
  const calls = { metadata: 0 };
  const admin = {
    createTopics: async () => {
      if (createError) throw createError;
      return true;
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      const answer = answers[Math.min(calls.metadata, answers.length - 1)]!;
      calls.metadata += 1;
      if (answer instanceof Error) throw answer;
      return { topics: topics.map((name) => ({ name, partitions: answer })) };
    },
  };
  return { driver: new KafkaJsAdminDriver({ admin: () => admin } as unknown as Kafka), calls };
}

describe('KafkaJsAdminDriver.createTopics', () => {
  it('waits on for leaders when the broker does not know a topic it has just created', async () => {
    const { driver, calls } = driverWith(notYet('UNKNOWN_TOPIC_OR_PARTITION'), [notYet('UNKNOWN_TOPIC_OR_PARTITION'), [{ leader: -1 }], [{ leader: 1 }]]);
    await driver.createTopics([{ name: 't', partitions: 1 }]);
    expect(calls.metadata).toBe(3);
  });

  it('passes on any other failure at once', async () => {
    const refused = Object.assign(new Error('Topic with this name already exists'), { type: 'TOPIC_ALREADY_EXISTS' });
    const { driver, calls } = driverWith(refused, [[{ leader: 1 }]]);
    await expect(driver.createTopics([{ name: 't', partitions: 1 }])).rejects.toBe(refused);
    expect(calls.metadata).toBe(0);
  });
});
