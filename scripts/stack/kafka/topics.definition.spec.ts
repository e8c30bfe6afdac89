import { join } from 'node:path';
import { ALL_TOPICS } from '@sluice/contracts';
import { loadTopicDefinitions, parseTopicDefinitions } from './topics.definition';

describe('parseTopicDefinitions', () => {
  it('keeps config values as the strings Kafka takes', () => {
    const [topic] = parseTopicDefinitions({ topics: [{ name: 't.v1', partitions: 2, config: { 'retention.ms': 1000, x: 'y' } }] });
    expect(topic).toEqual({ name: 't.v1', partitions: 2, config: { 'retention.ms': '1000', x: 'y' } });
  });

  it.each([
    [{}, 'expected { "topics"'],
    [{ topics: [{ name: 'bad name', partitions: 1 }] }, '"name" must match'],
    [{ topics: [{ name: 'a', partitions: 0 }] }, 'positive integer'],
    [{ topics: [{ name: 'a', partitions: 1.5 }] }, 'positive integer'],
    [
      {
        topics: [
          { name: 'a', partitions: 1 },
          { name: 'a', partitions: 1 },
        ],
      },
      'defined twice',
    ],
    [{ topics: [{ name: 'a', partitions: 1, config: { k: {} } }] }, 'must be a string, number or boolean'],
  ])('rejects %j', (document, message) => {
    expect(() => parseTopicDefinitions(document)).toThrow(message);
  });
});

describe('deploy/kafka/topics.json', () => {
  const definitions = loadTopicDefinitions(join(__dirname, '..', '..', '..', 'deploy', 'kafka', 'topics.json'));

  it('defines exactly the topics of the contracts registry', () => {
    expect(definitions.map((t) => t.name).sort()).toEqual([...ALL_TOPICS].sort());
  });

  it('sets retention and cleanup policy on every topic, and keeps dead letters longest', () => {
    for (const topic of definitions) {
      expect(Number(topic.config['retention.ms'])).toBeGreaterThan(0);
      expect(topic.config['cleanup.policy']).toBe('delete');
    }
    const retention = (name: string): number => Number(definitions.find((t) => t.name === name)?.config['retention.ms']);
    expect(Math.max(...definitions.map((t) => retention(t.name)))).toBe(retention('sluice.dlq.v1'));
  });
});
