/**
 * Writes docs/asyncapi.yaml from the contracts, the published JSON Schemas and the topics definition.
 *   npm run asyncapi              regenerate
 *   npm run asyncapi -- --check   exit 1 when the committed document differs from what the contracts give,
 *                                 or @asyncapi/parser refuses it, or it misses a topic, key, header or schema (CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApi, type TopicDefinition } from './asyncapi.builder';
import { checkAsyncApi } from './asyncapi.checks';

const ROOT = resolve(__dirname, '../..');
export const ASYNCAPI_PATH = resolve(ROOT, 'docs/asyncapi.yaml');

export function renderAsyncApi(): string {
  const { topics } = JSON.parse(readFileSync(resolve(ROOT, 'deploy/kafka/topics.json'), 'utf8')) as { topics: TopicDefinition[] };
  const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
  return stringify(buildAsyncApi(topics, version), { lineWidth: 0, aliasDuplicateObjects: false, singleQuote: true });
}

async function main(): Promise<void> {
  const expected = renderAsyncApi();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(ASYNCAPI_PATH, 'utf8');
    const problems = committed === expected ? [] : ['docs/asyncapi.yaml is out of date (run `npm run asyncapi`)'];
    problems.push(...(await checkAsyncApi(committed, ASYNCAPI_PATH)));
    if (problems.length > 0) {
      process.stderr.write(`${problems.join('\n')}\n`);
      process.exit(1);
    }
    process.stdout.write('docs/asyncapi.yaml is up to date and valid\n');
    return;
  }
  writeFileSync(ASYNCAPI_PATH, expected);
  const problems = await checkAsyncApi(expected, ASYNCAPI_PATH);
  if (problems.length > 0) {
    process.stderr.write(`wrote docs/asyncapi.yaml, but it is not valid:\n${problems.join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`wrote ${ASYNCAPI_PATH}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
