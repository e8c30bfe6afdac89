import { TopicDefinition } from './topics.definition';

/** What the cluster has for one topic: partition count and the configs set on the topic itself. */
export interface ObservedTopic {
  name: string;
  partitions: number;
  overrides: Record<string, string>;
}

export interface ConfigChange {
  key: string;
  from?: string;
  to?: string;
}

export type TopicAction =
  | { kind: 'create'; topic: TopicDefinition }
  | { kind: 'add-partitions'; name: string; from: number; to: number }
  | { kind: 'set-config'; name: string; config: Record<string, string>; changes: ConfigChange[] };

export interface TopicDrift {
  name: string;
  reason: string;
}

export interface TopicPlan {
  actions: TopicAction[];
  /** Differences the provisioner cannot repair; reported, never hidden. */
  drift: TopicDrift[];
  unchanged: string[];
}

function configChanges(desired: Record<string, string>, current: Record<string, string>): ConfigChange[] {
  const keys = [...new Set([...Object.keys(desired), ...Object.keys(current)])].sort();
  return keys.filter((key) => desired[key] !== current[key]).map((key) => ({ key, from: current[key], to: desired[key] }));
}

/**
 * The steps that bring the cluster to the definition. The file is the whole truth for a topic's
 * overrides: an override set by hand and absent from the file is removed, so the file can be read
 * as what runs. Partitions only grow; Kafka cannot shrink a topic, so fewer is drift.
 */
export function planTopics(desired: readonly TopicDefinition[], observed: ReadonlyMap<string, ObservedTopic>): TopicPlan {
  const plan: TopicPlan = { actions: [], drift: [], unchanged: [] };
  for (const topic of desired) {
    const current = observed.get(topic.name);
    if (current === undefined) {
      plan.actions.push({ kind: 'create', topic });
      continue;
    }
    let changed = false;
    if (current.partitions < topic.partitions) {
      plan.actions.push({ kind: 'add-partitions', name: topic.name, from: current.partitions, to: topic.partitions });
      changed = true;
    } else if (current.partitions > topic.partitions) {
      plan.drift.push({
        name: topic.name,
        reason: `has ${current.partitions} partitions, the definition asks ${topic.partitions}; Kafka cannot remove partitions (delete and recreate the topic to fix)`,
      });
    }
    const changes = configChanges(topic.config, current.overrides);
    if (changes.length > 0) {
      plan.actions.push({ kind: 'set-config', name: topic.name, config: topic.config, changes });
      changed = true;
    }
    if (!changed) plan.unchanged.push(topic.name);
  }
  return plan;
}

export function describeAction(action: TopicAction): string {
  switch (action.kind) {
    case 'create':
      return `create ${action.topic.name} (${action.topic.partitions} partitions)`;
    case 'add-partitions':
      return `grow ${action.name} from ${action.from} to ${action.to} partitions`;
    case 'set-config':
      return `configure ${action.name}: ${action.changes.map((c) => `${c.key} ${c.from ?? '(default)'} -> ${c.to ?? '(default)'}`).join(', ')}`;
  }
}
