import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApi, type Json, type TopicDefinition } from './asyncapi.builder';
import { checkAsyncApi } from './asyncapi.checks';
import { ASYNCAPI_PATH, renderAsyncApi } from './generate-asyncapi';

const { topics } = JSON.parse(readFileSync(resolve(__dirname, '../../deploy/kafka/topics.json'), 'utf8')) as { topics: TopicDefinition[] };

/** A freshly built document, changed by `mutate`, checked as if it were docs/asyncapi.yaml (its schema references resolve the same). */
async function problemsAfter(mutate: (document: Json & { channels: Json; components: { messages: Json; schemas: Json } }) => void): Promise<string[]> {
  const document = buildAsyncApi(topics, '0.0.0') as Json & { channels: Json; components: { messages: Json; schemas: Json } };
  mutate(document);
  return checkAsyncApi(stringify(document), ASYNCAPI_PATH);
}

function at(root: unknown, ...path: string[]): Json {
  return path.reduce((node, key) => (node as Json)[key], root) as Json;
}

describe('docs/asyncapi.yaml', () => {
  it('is what the contracts, the JSON Schemas and the topics definition generate (npm run asyncapi)', () => {
    expect(readFileSync(ASYNCAPI_PATH, 'utf8')).toBe(renderAsyncApi());
  });

  it('passes @asyncapi/parser and names every topic, key, header and payload schema', async () => {
    await expect(checkAsyncApi(readFileSync(ASYNCAPI_PATH, 'utf8'), ASYNCAPI_PATH)).resolves.toEqual([]);
  });
});

describe('asyncapi checks', () => {
  it('report a topic without a channel', async () => {
    const problems = await problemsAfter((document) => {
      delete document.channels.events;
      for (const [id, operation] of Object.entries(document.operations as Json)) {
        if (JSON.stringify(operation).includes('#/channels/events')) delete (document.operations as Json)[id];
      }
    });
    expect(problems).toEqual(['topic sluice.events.v1: no channel', 'schema event.v1: no topic carries it']);
  });

  it('report a message without its key', async () => {
    const problems = await problemsAfter((document) => delete at(document.components.messages, 'streamChunk', 'bindings', 'kafka').key);
    expect(problems).toEqual(['topic sluice.stream.v1, message streamChunk: no key (kafka message binding)']);
  });

  it('report a missing header and an unrequired signature', async () => {
    const problems = await problemsAfter((document) => {
      const internal = at(document.components.schemas, 'internalHeaders');
      delete at(internal, 'properties').traceparent;
      internal.required = [];
    });
    expect(problems).toEqual(expect.arrayContaining(['topic sluice.results.v1, message inferenceResult: no header traceparent']));
    expect(problems).toEqual(expect.arrayContaining(['topic sluice.results.v1, message inferenceResult: header x-sluice-signature not required']));
    expect(problems.filter((problem) => problem.startsWith('topic sluice.requests.v1'))).toEqual([]);
  });

  it('report a dead-letter reason header that is not required', async () => {
    const problems = await problemsAfter((document) => {
      const headers = at(document.components.schemas, 'deadLetterHeaders');
      headers.required = (headers.required as string[]).filter((name) => name !== 'x-sluice-original-offset');
    });
    expect(problems).toEqual(['topic sluice.dlq.v1, message deadLetter: header x-sluice-original-offset not required']);
  });

  it('report a payload that is not a published schema, and the schema no topic carries any more', async () => {
    const problems = await problemsAfter((document) => (at(document.components.messages, 'streamChunk').payload = { type: 'object' }));
    expect(problems).toEqual([
      'topic sluice.stream.v1, message streamChunk: payload is not one of docs/schemas',
      'schema stream-chunk.v1: no topic carries it',
    ]);
  });

  it('report what the parser refuses', async () => {
    const problems = await problemsAfter((document) => (at(document.components.messages, 'streamChunk').payload = { $ref: './schemas/missing.schema.json' }));
    expect(problems.some((problem) => problem.startsWith('parser: '))).toBe(true);
  });

  it('refuse to build without a topic the registry names', () => {
    expect(() =>
      buildAsyncApi(
        topics.filter((topic) => topic.name !== 'sluice.dlq.v1'),
        '0.0.0',
      ),
    ).toThrow('sluice.dlq.v1 is not in deploy/kafka/topics.json');
  });
});
