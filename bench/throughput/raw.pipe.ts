import type { Kafka } from 'kafkajs';
import { startRawForwarders } from '../support/raw.forwarders';

export interface RawPipe {
  /** Where the benchmark produces, and where it reads what came through. */
  first: string;
  last: string;
  stop(): Promise<void>;
}

/**
 * The baseline of the throughput benchmark: `hops` batch forwarders (a fetched batch per send,
 * partitions concurrently) over fresh topics of `partitions` partitions on the same broker, deleted by stop().
 */
export async function startRawPipe(kafka: Kafka, brokers: string, options: { hops: number; partitions: number }): Promise<RawPipe> {
  const forwarders = await startRawForwarders(kafka, brokers, {
    name: 'bench-pipe',
    hops: options.hops,
    partitions: options.partitions,
    mode: `batch=${options.partitions}`,
  });
  return { first: forwarders.topics[0] as string, last: forwarders.topics.at(-1) as string, stop: () => forwarders.stop() };
}
