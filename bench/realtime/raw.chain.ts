import { randomGroupId, randomTopicName } from '@sluice/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { TopicTap, TappedMessage } from '../../test/e2e/support';

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
export async function startRawChain(kafka: Kafka, brokers: string, options: { hops: number; partitions: number; onArrive: (message: TappedMessage) => void }): Promise<RawChain> {
  const topics = Array.from({ length: options.hops + 1 }, (_, index) => randomTopicName(`bench-chain${index}`));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: 1 })) });

  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'chain.forwarders.ts'), brokers, randomGroupId('bench-chain'), ...topics], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the chain forwarders exited with ${code} before they were ready`)));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      if (text.includes('ready')) resolve();
    });
  });
  // A producer of the chain's own: a kafkajs producer keeps asking for the metadata of every topic it
  // ever wrote to, and these topics are deleted when the chain stops.
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const final = await TopicTap.open(kafka, { groupId: randomGroupId('bench-chain-final'), topics: [topics.at(-1) as string], fromEnd: false, keep: false, onMessage: options.onArrive });

  return {
    hops: options.hops,
    send: async (key, value) => {
      await producer.send({ topic: topics[0] as string, acks: -1, messages: [{ key, value }] });
    },
    stop: async () => {
      await producer.disconnect();
      await final.stop();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
      await admin.deleteTopics({ topics });
      await admin.disconnect();
    },
  };
}
