import { randomGroupId } from '@sluice/testing';
import { Kafka } from 'kafkajs';
import { TopicTap, TappedMessage } from '../../test/e2e/support';
import { startRawForwarders } from '../support/raw.forwarders';

export interface RawChain {
  hops: number;
  /** Produces one message into the chain (acks=all), as the benchmark produces a request to Sluice. */
  send(key: string, value: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The baseline of the realtime overhead: `hops` consume→produce forwarders on random topics of the
 * same broker, partitioned like Sluice's topics, then a final consumer in this process (as the
 * benchmark reads Sluice's results). Requests → accepted → lane → results is three such hops.
 */
export async function startRawChain(
  kafka: Kafka,
  brokers: string,
  options: { hops: number; partitions: number; onArrive: (message: TappedMessage) => void },
): Promise<RawChain> {
  const forwarders = await startRawForwarders(kafka, brokers, { name: 'bench-chain', hops: options.hops, partitions: options.partitions, mode: 'message' });
  const { topics } = forwarders;
  // A producer of the chain's own: a kafkajs producer keeps asking for the metadata of every topic it
  // ever wrote to, and these topics are deleted when the chain stops.
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const final = await TopicTap.open(kafka, {
    groupId: randomGroupId('bench-chain-final'),
    topics: [topics.at(-1) as string],
    fromEnd: false,
    keep: false,
    onMessage: options.onArrive,
  });

  return {
    hops: options.hops,
    send: async (key, value) => {
      await producer.send({ topic: topics[0] as string, acks: -1, messages: [{ key, value }] });
    },
    stop: async () => {
      await producer.disconnect();
      await final.stop();
      await forwarders.stop();
    },
  };
}
