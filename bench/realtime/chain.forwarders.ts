import { Kafka, logLevel } from 'kafkajs';

/**
 * The baseline's hops, in a process of their own as Sluice's services are: one plain kafkajs consumer
 * per hop that forwards each message unchanged (key, value, headers) to the next topic, one send at
 * a time with acks=all, as a Sluice service produces. Usage: chain.forwarders.ts <brokers> <group-prefix> <topic0> ... <topicN>
 * Prints "ready" once every hop has joined its group; stops on SIGTERM.
 */
async function main(): Promise<void> {
  const [brokers, groupPrefix, ...topics] = process.argv.slice(2);
  if (brokers === undefined || groupPrefix === undefined || topics.length < 2) throw new Error('usage: <brokers> <group-prefix> <topic0> <topic1> [...]');
  const kafka = new Kafka({ clientId: `${groupPrefix}-forwarders`, brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const hops = topics.slice(0, -1).map((from, index) => ({ from, to: topics[index + 1] as string, index }));

  const running = await Promise.all(
    hops.map(async ({ from, to, index }) => {
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      const consumer = kafka.consumer({ groupId: `${groupPrefix}-hop${index}` });
      await producer.connect();
      await consumer.connect();
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.subscribe({ topic: from, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          await producer.send({ topic: to, acks: -1, messages: [{ key: message.key, value: message.value, headers: message.headers }] });
        },
      });
      await joined;
      return { producer, consumer };
    }),
  );
  process.stdout.write('ready\n');

  const stop = async (): Promise<void> => {
    await Promise.all(running.map(async ({ producer, consumer }) => {
      await consumer.disconnect();
      await producer.disconnect();
    }));
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
