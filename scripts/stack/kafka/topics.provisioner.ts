import { Admin, ConfigResourceTypes, ConfigSource } from 'kafkajs';
import { withAdmin } from './kafka.admin';
import { TopicDefinition } from './topics.definition';
import { ObservedTopic, TopicPlan, describeAction, planTopics } from './topics.plan';

async function observeTopics(admin: Admin, names: readonly string[]): Promise<Map<string, ObservedTopic>> {
  const existing = new Set(await admin.listTopics());
  const present = names.filter((name) => existing.has(name));
  const observed = new Map<string, ObservedTopic>();
  if (present.length === 0) return observed;

  const { topics } = await admin.fetchTopicMetadata({ topics: present });
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  for (const topic of topics) {
    const described = resources.find((resource) => resource.resourceName === topic.name);
    if (described === undefined || described.errorCode !== 0) {
      throw new Error(`cannot read the config of topic ${topic.name}: ${described?.errorMessage ?? 'not described'}`);
    }
    const overrides: Record<string, string> = {};
    for (const entry of described.configEntries) {
      if (entry.configSource === ConfigSource.TOPIC_CONFIG) overrides[entry.configName] = entry.configValue;
    }
    observed.set(topic.name, { name: topic.name, partitions: topic.partitions.length, overrides });
  }
  return observed;
}

async function planFor(admin: Admin, definitions: readonly TopicDefinition[]): Promise<TopicPlan> {
  return planTopics(
    definitions,
    await observeTopics(
      admin,
      definitions.map((topic) => topic.name),
    ),
  );
}

export interface ProvisionReport {
  plan: TopicPlan;
  /** Human-readable steps taken, in order. */
  applied: string[];
}

/**
 * Makes the cluster match the definition: creates missing topics, grows partitions, sets configs.
 * Idempotent: a second run finds nothing to do. Drift it cannot repair is returned, not thrown,
 * so the caller decides how loud to be.
 */
export async function provisionTopics(brokers: string, definitions: readonly TopicDefinition[]): Promise<ProvisionReport> {
  return withAdmin(brokers, async (admin) => {
    const plan = await planFor(admin, definitions);
    const applied: string[] = [];
    const creates = plan.actions.flatMap((action) => (action.kind === 'create' ? [action.topic] : []));
    if (creates.length > 0) {
      // false means another provisioner created them between our look and our create: same end state.
      await admin.createTopics({
        waitForLeaders: true,
        topics: creates.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    for (const action of plan.actions) {
      if (action.kind === 'add-partitions') {
        await admin.createPartitions({ topicPartitions: [{ topic: action.name, count: action.to }] });
      } else if (action.kind === 'set-config') {
        // AlterConfigs replaces the topic's whole override set, which is what a declarative file means.
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name: action.name,
              configEntries: Object.entries(action.config).map(([name, value]) => ({ name, value })),
            },
          ],
        });
      }
      applied.push(describeAction(action));
    }
    return { plan, applied };
  });
}

/** The plan provisioning would carry out, without changing anything (for stack:status). */
export async function inspectTopics(brokers: string, definitions: readonly TopicDefinition[]): Promise<TopicPlan> {
  return withAdmin(brokers, (admin) => planFor(admin, definitions));
}
