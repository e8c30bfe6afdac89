import { Admin, Kafka, logLevel } from 'kafkajs';
import { brokerList } from './broker.endpoint';
import { kafkaJsSecurityFromEnv } from './kafka.security';

/**
 * An admin client that fails fast: a probe must answer "nobody there" in about a second, not
 * after kafkajs' default retries with backoff (tens of seconds).
 */
function adminFor(brokers: string): Admin {
  const kafka = new Kafka({
    clientId: 'sluice-stack',
    brokers: brokerList(brokers),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    ...kafkaJsSecurityFromEnv(),
  });
  return kafka.admin();
}

export async function withAdmin<T>(brokers: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = adminFor(brokers);
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

export interface ClusterInfo {
  clusterId: string;
  brokers: number;
}

/** The cluster behind `brokers`, or undefined when nothing answers there as a ready Kafka broker. */
export async function probeKafka(brokers: string): Promise<ClusterInfo | undefined> {
  try {
    return await withAdmin(brokers, async (admin) => {
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 ? { clusterId: cluster.clusterId, brokers: cluster.brokers.length } : undefined;
    });
  } catch {
    return undefined;
  }
}
