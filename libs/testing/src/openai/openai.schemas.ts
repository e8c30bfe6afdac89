import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// OpenAI's own response schemas (openai/openai-openapi at f85dbe2, MIT: see the LICENSE beside it).
const SUBSET = join(__dirname, 'fixtures', 'openai-openapi-subset.json');

export type OpenAISchema =
  | 'CreateChatCompletionResponse'
  | 'CreateChatCompletionStreamResponse'
  | 'CreateEmbeddingResponse'
  | 'Batch'
  | 'OpenAIFile'
  | 'ListBatchesResponse'
  | 'ErrorResponse'
  | 'DeleteFileResponse';

/**
 * The live API's two deviations from the spec, applied as the reference doc says: optional
 * properties may be null, and `nullable: true` means null is allowed.
 */
function relax(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relax);
  if (node === null || typeof node !== 'object') return node;
  const source = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key.startsWith('x-')) continue;
    out[key] = relax(value);
  }
  if (source.properties && typeof source.properties === 'object') {
    const required = new Set((source.required as string[] | undefined) ?? []);
    const properties = out.properties as Record<string, unknown>;
    for (const [name, schema] of Object.entries(properties)) {
      if (!required.has(name)) properties[name] = { anyOf: [schema, { type: 'null' }] };
    }
  }
  return source.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

function buildAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  const document = relax(JSON.parse(readFileSync(SUBSET, 'utf8'))) as Record<string, unknown>;
  ajv.addSchema({ $id: 'openai', components: document.components });
  return ajv;
}

const ajv = buildAjv();

/** Throws with Ajv's findings when `value` does not match OpenAI's schema `name`. */
export function assertOpenAISchema(name: OpenAISchema, value: unknown): void {
  const validate = ajv.getSchema(`openai#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name}`);
  if (!validate(value)) {
    throw new Error(`${name} schema violation: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 600)}`);
  }
}
