import { TopicDefinition } from './topics.definition';
import { ObservedTopic, describeAction, planTopics } from './topics.plan';

const wanted: TopicDefinition = { name: 'sluice.x.v1', partitions: 6, config: { 'retention.ms': '1000', 'cleanup.policy': 'delete' } };

function observed(...topics: ObservedTopic[]): Map<string, ObservedTopic> {
  return new Map(topics.map((t) => [t.name, t]));
}

describe('planTopics', () => {
  it('creates what is missing', () => {
    const plan = planTopics([wanted], observed());
    expect(plan.actions).toEqual([{ kind: 'create', topic: wanted }]);
    expect(plan.unchanged).toEqual([]);
  });

  it('does nothing when the cluster matches', () => {
    const plan = planTopics([wanted], observed({ name: wanted.name, partitions: 6, overrides: { ...wanted.config } }));
    expect(plan).toEqual({ actions: [], drift: [], unchanged: [wanted.name] });
  });

  it('grows partitions but reports too many as drift', () => {
    const grow = planTopics([wanted], observed({ name: wanted.name, partitions: 3, overrides: wanted.config }));
    expect(grow.actions).toEqual([{ kind: 'add-partitions', name: wanted.name, from: 3, to: 6 }]);

    const shrink = planTopics([wanted], observed({ name: wanted.name, partitions: 8, overrides: wanted.config }));
    expect(shrink.actions).toEqual([]);
    expect(shrink.drift).toEqual([{ name: wanted.name, reason: expect.stringContaining('has 8 partitions') }]);
    expect(shrink.unchanged).toEqual([wanted.name]);
  });

  it('sets the whole config when a value differs or an override is not in the definition', () => {
    const plan = planTopics(
      [wanted],
      observed({ name: wanted.name, partitions: 6, overrides: { 'retention.ms': '5', 'cleanup.policy': 'delete', 'segment.ms': '9' } }),
    );
    expect(plan.actions).toEqual([
      {
        kind: 'set-config',
        name: wanted.name,
        config: wanted.config,
        changes: [
          { key: 'retention.ms', from: '5', to: '1000' },
          { key: 'segment.ms', from: '9', to: undefined },
        ],
      },
    ]);
    expect(describeAction(plan.actions[0])).toBe('configure sluice.x.v1: retention.ms 5 -> 1000, segment.ms 9 -> (default)');
  });
});
