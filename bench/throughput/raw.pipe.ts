import { randomGroupId, randomTopicName } from '@sluice/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Admin, Kafka } from 'kafkajs';

export interface RawPipe {
  /** Where the benchmark produces, and where it reads what came through. */
  first: string;
  last: string;
  stop(): Promise<void>;
}

/**
 * The baseline of the throughput benchmark: `hops` batch forwarders (pipe.forwarders.ts, a child
 * process) over fresh topics of `partitions` partitions on the same broker, deleted by stop().
 */
export async function startRawPipe(kafka: Kafka, brokers: string, options: { hops: number; partitions: number }): Promise<RawPipe> {
  const topics = Array.from({ length: options.hops + 1 }, (_, index) => randomTopicName(`bench-pipe${index}`));
  const admin: Admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: 1 })) });
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'pipe.forwarders.ts'), brokers, randomGroupId('bench-pipe'), String(options.partitions), ...topics],
    { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the pipe forwarders exited with ${code} before they were ready`)));
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
    first: topics[0] as string,
    last: topics.at(-1) as string,
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
