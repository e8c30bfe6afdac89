import { Kafka, logLevel } from 'kafkajs';
import { kafkaJsSecurityFromEnv } from '../../scripts/stack/kafka/kafka.security';

/**
 * A baseline's hops, in a process of their own as Sluice's services are: per hop one plain kafkajs
 * consumer that forwards messages unchanged (key, value, headers) to the next topic with acks=all.
 * Mode `message`: each message in a send of its own, as a per-message service produces (the realtime
 * chain). Mode `batch=<n>`: what one fetch returned for a partition in one send, n partitions at once,
 * offsets committed after the send (the throughput pipe).
 * Usage: forwarders.process.ts <brokers> <group-prefix> <mode> <topic0> <topic1> [...]
 * Prints "ready" once every hop has joined its group; stops on SIGTERM.
 */
async function main(): Promise<void> {
  const [brokers, groupPrefix, mode, ...topics] = process.argv.slice(2);
  if (brokers === undefined || groupPrefix === undefined || mode === undefined || topics.length < 2) {
    throw new Error('usage: <brokers> <group-prefix> <message|batch=<n>> <topic0> <topic1> [...]');
  }
  const batchConcurrency = mode.startsWith('batch=') ? Number(mode.slice('batch='.length)) : undefined;
  if (mode !== 'message' && !(batchConcurrency! >= 1)) throw new Error(`unknown mode ${mode}: message or batch=<n>`);
  const kafka = new Kafka({ clientId: `${groupPrefix}-forwarders`, brokers: brokers.split(','), logLevel: logLevel.ERROR, ...kafkaJsSecurityFromEnv() });
  const hops = topics.slice(0, -1).map((from, index) => ({ from, to: topics[index + 1] as string, index }));

  const running = await Promise.all(
    hops.map(async ({ from, to, index }) => {
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      const consumer = kafka.consumer({ groupId: `${groupPrefix}-hop${index}`, ...(batchConcurrency !== undefined && { maxWaitTimeInMs: 100 }) });
      await producer.connect();
      await consumer.connect();
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.subscribe({ topic: from, fromBeginning: true });
      if (batchConcurrency === undefined) {
        await consumer.run({
          eachMessage: async ({ message }) => {
            await producer.send({ topic: to, acks: -1, messages: [{ key: message.key, value: message.value, headers: message.headers }] });
          },
        });
      } else {
        await consumer.run({
          partitionsConsumedConcurrently: batchConcurrency,
          eachBatch: async ({ batch }) => {
            if (batch.messages.length === 0) return;
            await producer.send({
              topic: to,
              acks: -1,
              messages: batch.messages.map((message) => ({ key: message.key, value: message.value, headers: message.headers })),
            });
          },
        });
      }
      await joined;
      return { producer, consumer };
    }),
  );
  process.stdout.write('ready\n');

  const stop = async (): Promise<void> => {
    await Promise.all(
      running.map(async ({ producer, consumer }) => {
        await consumer.disconnect();
        await producer.disconnect();
      }),
    );
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
