import { Admin, AssignerProtocol, Kafka } from 'kafkajs';

export interface ActiveGroup {
  groupId: string;
  state: string;
  members: Array<{ clientId: string; host: string; topics: string[] }>;
}

/**
 * Commits the current end of each topic for groups that do not exist yet, so a service started with
 * one of these fresh group ids reads only what is produced from now on. Without it a new group starts
 * at the beginning (the runner's default) and replays every request earlier runs left on the shared
 * topics. Each group is joined once by a short-lived consumer that commits and leaves: kafkajs's
 * admin.setOffsets does the same per topic but waits out a runner cycle each time (about 5 s).
 */
export async function positionAtEnd(kafka: Kafka, groupIds: readonly string[], topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Array<{ topic: string; partition: number; offset: string }>;
  try {
    const perTopic = await Promise.all(topics.map(async (topic) => ({ topic, partitions: await topicOffsets(admin, topic) })));
    ends = perTopic.flatMap(({ topic, partitions }) => partitions.map(({ partition, high }) => ({ topic, partition, offset: high })));
  } finally {
    await admin.disconnect();
  }
  await Promise.all(groupIds.map((groupId) => commitOnce(kafka, groupId, topics, ends)));
}

const COMMIT_ATTEMPTS = 5;
const LEADERS_WAIT_MS = 30_000;

/** A topic's offsets; on a broker that has just created it, once its partitions have leaders. */
async function topicOffsets(admin: Admin, topic: string): Promise<Array<{ partition: number; high: string }>> {
  const deadline = Date.now() + LEADERS_WAIT_MS;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function commitOnce(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  ends: Array<{ topic: string; partition: number; offset: string }>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await joinCommitAndLeave(kafka, groupId, topics, ends);
      return;
    } catch (error) {
      if (attempt >= COMMIT_ATTEMPTS) throw error;
    }
  }
}

/**
 * kafkajs restarts a consumer that crashed (an error its retries did not cure, as a brand-new broker
 * gives while its group coordinator loads) by joining again on its own, also after disconnect() was
 * called: that member then stays in the group, heartbeating, and the services' @platformatic/kafka
 * consumers (another assignment protocol) are refused by the group until it goes (seen on the SASL_SSL
 * suite's new broker: every group held by one). So this consumer never restarts itself; a crash fails
 * this attempt and a fresh consumer tries again. Its rebalance timeout is as short as its session, so a
 * member whose leave did not reach the broker is gone within seconds.
 */
async function joinCommitAndLeave(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  ends: Array<{ topic: string; partition: number; offset: string }>,
): Promise<void> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 6_000,
    rebalanceTimeout: 6_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
    retry: { restartOnFailure: () => Promise.resolve(false) },
  });
  const crashed = new Promise<never>((_, reject) => consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error)));
  // Only raced below: a crash after the commit is not this attempt's failure.
  crashed.catch(() => undefined);
  await consumer.connect();
  try {
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.subscribe({ topics: [...topics], fromBeginning: false });
    // Whatever is fetched meanwhile is neither handled nor committed.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    await Promise.race([joined, crashed]);
    await consumer.commitOffsets(ends.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
  } finally {
    await consumer.disconnect();
  }
}

function decodeTopics(metadata: Buffer): string[] {
  try {
    return AssignerProtocol.MemberMetadata.decode(metadata)?.topics ?? [];
  } catch {
    return [];
  }
}

/** Consumer groups with members right now, with the topics each member subscribes to. */
export async function activeGroups(admin: Admin, include: (groupId: string) => boolean = () => true): Promise<ActiveGroup[]> {
  const { groups } = await admin.listGroups();
  const ids = groups.filter((group) => group.protocolType === 'consumer' && include(group.groupId)).map((group) => group.groupId);
  const described: ActiveGroup[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const { groups: chunk } = await admin.describeGroups(ids.slice(i, i + 50));
    for (const group of chunk) {
      if (group.members.length === 0) continue;
      described.push({
        groupId: group.groupId,
        state: group.state,
        members: group.members.map((member) => ({ clientId: member.clientId, host: member.clientHost, topics: decodeTopics(member.memberMetadata) })),
      });
    }
  }
  return described;
}

export interface GroupLag {
  groupId: string;
  /** Messages on its topics it has not committed yet; uncommitted partitions count from the log start. */
  lag: number;
  behind: string[];
}

export async function lagOf(
  admin: Admin,
  group: ActiveGroup,
  ends: (topic: string) => Promise<Array<{ partition: number; high: string; low: string }>>,
): Promise<GroupLag> {
  const topics = [...new Set(group.members.flatMap((member) => member.topics))];
  if (topics.length === 0) return { groupId: group.groupId, lag: 0, behind: [] };
  const committed = await admin.fetchOffsets({ groupId: group.groupId, topics });
  let lag = 0;
  const behind: string[] = [];
  for (const { topic, partitions } of committed) {
    const end = await ends(topic);
    for (const { partition, offset } of partitions) {
      const range = end.find((p) => p.partition === partition);
      if (range === undefined) continue;
      const from = Number(offset) >= 0 ? Number(offset) : Number(range.low);
      const partitionLag = Math.max(0, Number(range.high) - from);
      if (partitionLag > 0) behind.push(`${topic}[${partition}] ${partitionLag}`);
      lag += partitionLag;
    }
  }
  return { groupId: group.groupId, lag, behind };
}

/** Lag of every active group whose id passes `include`, reading each topic's end once. */
export async function lagsOf(admin: Admin, include: (groupId: string) => boolean): Promise<GroupLag[]> {
  const cache = new Map<string, Promise<Array<{ partition: number; high: string; low: string }>>>();
  const ends = (topic: string): Promise<Array<{ partition: number; high: string; low: string }>> => {
    let found = cache.get(topic);
    if (found === undefined) {
      found = admin.fetchTopicOffsets(topic);
      cache.set(topic, found);
    }
    return found;
  };
  const groups = await activeGroups(admin, include);
  return Promise.all(groups.map((group) => lagOf(admin, group, ends)));
}

/**
 * Other consumers of Sluice's topics on this broker (another harness, `npm run up`, someone's
 * integration test): each would also handle this run's requests, so their presence explains
 * duplicates that Sluice itself did not make.
 */
export async function foreignConsumers(admin: Admin, ownPrefix: string, topics: readonly string[]): Promise<string[]> {
  const groups = await activeGroups(admin, (groupId) => !groupId.startsWith(ownPrefix));
  return groups
    .map((group) => ({ group, topics: [...new Set(group.members.flatMap((member) => member.topics))].filter((topic) => topics.includes(topic)) }))
    .filter(({ topics: shared }) => shared.length > 0)
    .map(({ group, topics: shared }) => `${group.groupId} (${group.members.map((m) => `${m.clientId}@${m.host}`).join(', ')}) on ${shared.join(', ')}`);
}
