import os from 'node:os';
import { version as kafkajsVersion } from 'kafkajs/package.json';

/** The machine and broker a benchmark ran on, with the load before and after: figures mean little without it. */
export function benchEnvironment(loadBefore: number[]): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverageBefore: loadBefore.map((value) => Math.round(value * 100) / 100),
    loadAverageAfter: os.loadavg().map((value) => Math.round(value * 100) / 100),
    kafkaBrokers: process.env.KAFKA_BROKERS || '127.0.0.1:9092',
    kafkajs: kafkajsVersion,
    note: 'shared development machine: other work runs beside the benchmark, so compare the ratio, not absolute figures',
  };
}
