import { randomGroupId, randomTopicName } from '@sluice/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';

export interface RawForwarders {
  /** The chain's topics: the baseline produces to the first and reads the last. */
  topics: readonly string[];
  /** Stops the forwarders and deletes their topics. */
  stop(): Promise<void>;
}

/**
 * A baseline of plain kafkajs forwarders (forwarders.process.ts, in a child process) over `hops + 1`
 * fresh topics of `partitions` partitions on the same broker; resolves once every hop has joined.
 */
export async function startRawForwarders(
  kafka: Kafka,
  brokers: string,
  options: { name: string; hops: number; partitions: number; mode: 'message' | `batch=${number}` },
): Promise<RawForwarders> {
  const topics = Array.from({ length: options.hops + 1 }, (_, index) => randomTopicName(`${options.name}${index}`));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: 1 })) });
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'forwarders.process.ts'), brokers, randomGroupId(options.name), options.mode, ...topics],
    { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the ${options.name} forwarders exited with ${code} before they were ready`)));
      child.stdout?.setEncoding('utf8').on('data', (text: string) => {
        if (text.includes('ready')) resolve();
      });
    });
  } catch (error) {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    throw error;
  }
  return {
    topics,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      await admin.deleteTopics({ topics });
      await admin.disconnect();
    },
  };
}
