import { Kafka, logLevel } from 'kafkajs';

/**
 * The throughput baseline's hops, in a process of their own as Sluice's services are: per hop one
 * plain kafkajs consumer that takes what one fetch returned for a partition and forwards it (key,
 * value, headers unchanged) to the next topic in one send with acks=all, partitions concurrently;
 * the offsets are committed after the send, per batch.
 * Usage: pipe.forwarders.ts <brokers> <group-prefix> <partitions-concurrently> <topic0> <topic1> [...]
 * Prints "ready" once every hop has joined its group; stops on SIGTERM.
 */
async function main(): Promise<void> {
  const [brokers, groupPrefix, concurrencyText, ...topics] = process.argv.slice(2);
  if (brokers === undefined || groupPrefix === undefined || topics.length < 2) throw new Error('usage: <brokers> <group-prefix> <partitions-concurrently> <topic0> <topic1> [...]');
  const kafka = new Kafka({ clientId: `${groupPrefix}-pipe`, brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const hops = topics.slice(0, -1).map((from, index) => ({ from, to: topics[index + 1] as string, index }));

  const running = await Promise.all(
    hops.map(async ({ from, to, index }) => {
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      const consumer = kafka.consumer({ groupId: `${groupPrefix}-hop${index}`, maxWaitTimeInMs: 100 });
      await producer.connect();
      await consumer.connect();
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.subscribe({ topic: from, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: Number(concurrencyText),
        eachBatch: async ({ batch }) => {
          if (batch.messages.length === 0) return;
          await producer.send({
            topic: to,
            acks: -1,
            messages: batch.messages.map((message) => ({ key: message.key, value: message.value, headers: message.headers })),
          });
        },
      });
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
