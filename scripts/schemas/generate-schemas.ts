/**
 * Writes docs/schemas/<name>.schema.json from the contract classes.
 *   npm run schemas              regenerate
 *   npm run schemas -- --check   exit 1 when a committed schema differs from the classes (CI)
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildMessageSchemas } from './schema.builder';

export const SCHEMAS_DIR = resolve(__dirname, '../../docs/schemas');
const SUFFIX = '.schema.json';

export function renderSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, schema] of Object.entries(buildMessageSchemas())) {
    files.set(`${name}${SUFFIX}`, `${JSON.stringify(schema, null, 2)}\n`);
  }
  return files;
}

/** File names that are missing, different, or no longer generated. */
export function staleSchemaFiles(dir: string, expected: Map<string, string>): string[] {
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(SUFFIX)) : [];
  const stale = [...expected].filter(([file, text]) => !present.includes(file) || readFileSync(join(dir, file), 'utf8') !== text).map(([file]) => file);
  const orphans = present.filter((file) => !expected.has(file));
  return [...stale, ...orphans].sort();
}

function main(): void {
  const expected = renderSchemas();
  if (process.argv.includes('--check')) {
    const stale = staleSchemaFiles(SCHEMAS_DIR, expected);
    if (stale.length > 0) {
      process.stderr.write(`JSON Schemas are out of date (run \`npm run schemas\`): ${stale.join(', ')}\n`);
      process.exit(1);
    }
    process.stdout.write(`${expected.size} JSON Schemas are up to date\n`);
    return;
  }
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const [file, text] of expected) writeFileSync(join(SCHEMAS_DIR, file), text);
  const orphans = staleSchemaFiles(SCHEMAS_DIR, expected).filter((file) => !expected.has(file));
  if (orphans.length > 0) process.stderr.write(`not generated any more, delete them: ${orphans.join(', ')}\n`);
  process.stdout.write(`wrote ${expected.size} JSON Schemas to ${SCHEMAS_DIR}\n`);
}

if (require.main === module) main();
