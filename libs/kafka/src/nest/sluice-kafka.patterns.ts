/**
 * What an `@EventPattern(topic, extras)` handler of SluiceKafkaTransport may ask for in its extras.
 *
 * - `batch: true`: the handler receives every message one fetch returned for a partition (up to
 *   `maxBatchSize` messages and `maxBatchBytes` bytes at a time) as `ReadonlyArray<InboundMessage<T>>`, and answers with one
 *   `MessageOutcome` per message (or nothing: all succeeded). Without it, the handler gets one
 *   message at a time, in partition order: the right choice for a low-rate topic.
 * - `group`: the handler's topic is consumed by its own consumer group, `<groupId>.<group>`, with
 *   its own fetching, in-flight bound and commits, so a flood on one topic never waits in front of
 *   another. Handlers without a group share the service's group.
 * - `deferrable: true`: the group's work can wait (bulk intake, non-urgent routing): it runs behind
 *   the transport's valve, which makes it give way while urgent work flows. All handlers of a group
 *   must agree.
 */
export interface SluiceKafkaPatternOptions {
  batch?: boolean;
  group?: string;
  deferrable?: boolean;
  /** Largest slice of a fetched batch handed to a batch handler at once. */
  maxBatchSize?: number;
  /** Most bytes of keys and values in one slice (a larger message goes alone). */
  maxBatchBytes?: number;
}

/** One consumer group of a transport: the topics it reads and how their handlers take messages. */
export interface ConsumerGroupPlan {
  /** `undefined` for the service's own group, else the suffix of `<groupId>.<suffix>`. */
  suffix?: string;
  groupId: string;
  topics: string[];
  batch: boolean;
  deferrable: boolean;
  maxBatchSize?: number;
  maxBatchBytes?: number;
}

const GROUP_SUFFIX = /^[A-Za-z0-9_-]{1,64}$/;

function optionsOf(topic: string, extras: unknown): SluiceKafkaPatternOptions {
  if (extras === undefined || extras === null) return {};
  if (typeof extras !== 'object') throw new Error(`@EventPattern('${topic}') extras must be an object`);
  const { batch, group, deferrable, maxBatchSize, maxBatchBytes } = extras as Record<string, unknown>;
  if (batch !== undefined && typeof batch !== 'boolean') throw new Error(`@EventPattern('${topic}') extras.batch must be a boolean`);
  if (deferrable !== undefined && typeof deferrable !== 'boolean') throw new Error(`@EventPattern('${topic}') extras.deferrable must be a boolean`);
  if (group !== undefined && (typeof group !== 'string' || !GROUP_SUFFIX.test(group))) {
    throw new Error(`@EventPattern('${topic}') extras.group must match ${GROUP_SUFFIX.source}`);
  }
  if (maxBatchSize !== undefined && (!Number.isInteger(maxBatchSize) || (maxBatchSize as number) < 1)) {
    throw new Error(`@EventPattern('${topic}') extras.maxBatchSize must be a positive integer`);
  }
  if (maxBatchBytes !== undefined && (!Number.isInteger(maxBatchBytes) || (maxBatchBytes as number) < 1)) {
    throw new Error(`@EventPattern('${topic}') extras.maxBatchBytes must be a positive integer`);
  }
  return {
    batch: batch as boolean | undefined,
    group: group as string | undefined,
    deferrable: deferrable as boolean | undefined,
    maxBatchSize: maxBatchSize as number | undefined,
    maxBatchBytes: maxBatchBytes as number | undefined,
  };
}

/**
 * Groups the handled topics into consumer groups. A group's handlers must all take batches or all
 * take single messages (one runner serves a group), and agree on maxBatchSize and maxBatchBytes.
 */
export function planConsumerGroups(groupId: string, handlers: ReadonlyArray<{ topic: string; extras: unknown }>): ConsumerGroupPlan[] {
  const plans = new Map<string, ConsumerGroupPlan>();
  for (const { topic, extras } of handlers) {
    const options = optionsOf(topic, extras);
    const key = options.group ?? '';
    const batch = options.batch === true;
    const deferrable = options.deferrable === true;
    const existing = plans.get(key);
    if (existing === undefined) {
      plans.set(key, {
        suffix: options.group,
        groupId: options.group === undefined ? groupId : `${groupId}.${options.group}`,
        topics: [topic],
        batch,
        deferrable,
        maxBatchSize: options.maxBatchSize,
        maxBatchBytes: options.maxBatchBytes,
      });
      continue;
    }
    if (existing.batch !== batch) {
      throw new Error(
        `consumer group ${existing.groupId} mixes batch and per-message handlers (${[...existing.topics, topic].join(', ')}): give one of them a group of its own`,
      );
    }
    if (existing.deferrable !== deferrable) {
      throw new Error(`consumer group ${existing.groupId}: handlers of ${[...existing.topics, topic].join(', ')} disagree on deferrable`);
    }
    for (const limit of ['maxBatchSize', 'maxBatchBytes'] as const) {
      if (existing[limit] !== options[limit]) {
        throw new Error(`consumer group ${existing.groupId}: handlers of ${[...existing.topics, topic].join(', ')} disagree on ${limit}`);
      }
    }
    existing.topics.push(topic);
  }
  return [...plans.values()];
}

/** How an operator names the service's own group when choosing groups: it has no suffix. */
export const MAIN_GROUP = 'main';

/**
 * The plans a process runs when it is told to run only some of its groups (`main` for the service's
 * own, else suffixes): urgent and bulk work can then run in separate processes, the bulk ones at a
 * lower CPU priority. Naming a group the service does not have is an error, not a silent no-op.
 */
export function selectConsumerGroups(plans: readonly ConsumerGroupPlan[], only: readonly string[] | undefined): ConsumerGroupPlan[] {
  if (only === undefined) return [...plans];
  const names = plans.map((plan) => plan.suffix ?? MAIN_GROUP);
  const unknown = only.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new Error(`no consumer group named [${unknown.join(', ')}]: this service's groups are [${names.join(', ')}]`);
  }
  return plans.filter((plan) => only.includes(plan.suffix ?? MAIN_GROUP));
}
