import { readFileSync } from 'node:fs';

export interface TopicDefinition {
  name: string;
  partitions: number;
  /** Topic-level config overrides, as Kafka takes them: string values. */
  config: Record<string, string>;
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

function fail(where: string, message: string): never {
  throw new Error(`invalid topic definition (${where}): ${message}`);
}

/** Validates the parsed deploy/kafka/topics.json; numbers in config are accepted and kept as Kafka's strings. */
export function parseTopicDefinitions(document: unknown, source = 'topics.json'): TopicDefinition[] {
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { topics?: unknown }).topics)) {
    fail(source, 'expected { "topics": [ ... ] }');
  }
  const seen = new Set<string>();
  return (document as { topics: unknown[] }).topics.map((entry, index) => {
    const where = `${source} topics[${index}]`;
    if (typeof entry !== 'object' || entry === null) fail(where, 'expected an object');
    const { name, partitions, config = {} } = entry as { name?: unknown; partitions?: unknown; config?: unknown };
    if (typeof name !== 'string' || !TOPIC_NAME.test(name)) fail(where, `"name" must match ${TOPIC_NAME}`);
    if (seen.has(name)) fail(where, `"${name}" is defined twice`);
    seen.add(name);
    if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1) {
      fail(where, `"partitions" of ${name} must be a positive integer`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) fail(where, `"config" of ${name} must be an object`);
    const normalised: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        fail(where, `config "${key}" of ${name} must be a string, number or boolean`);
      }
      normalised[key] = String(value);
    }
    return { name, partitions, config: normalised };
  });
}

export function loadTopicDefinitions(file: string): TopicDefinition[] {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read topic definitions from ${file}: ${(error as Error).message}`);
  }
  return parseTopicDefinitions(document, file);
}
