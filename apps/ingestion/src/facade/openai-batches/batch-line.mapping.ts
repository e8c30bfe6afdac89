import type { FacadeBatchError } from '@sluice/ledger';

/** The endpoints a batch may target, and the Sluice operation of each. */
export const BATCH_ENDPOINTS: Readonly<Record<string, 'chat' | 'embedding'>> = { '/v1/chat/completions': 'chat', '/v1/embeddings': 'embedding' };

/** Where a batch line's custom_id travels: its request's metadata, and so its result's. */
export const CUSTOM_ID_KEY = 'custom_id';
export const BATCH_FACADE_METADATA = { 'sluice.facade': 'openai.batch' } as const;

// Sluice's metadata values are at most 1,024 characters; OpenAI's custom ids are far shorter in practice.
const MAX_CUSTOM_ID = 512;

export type BatchLine = { ok: true; customId: string; request: Record<string, unknown> } | { ok: false; error: FacadeBatchError };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problem(line: number, code: string, message: string, param: string | null = null): BatchLine {
  return { ok: false, error: { code, message, line, param } };
}

/**
 * One line of a batch's input file (`{custom_id, method, url, body}`) as the Sluice request it
 * becomes, or the problem that fails the batch, named as OpenAI's validation names it. `seen` holds
 * the custom ids of the lines before it: each must be unique.
 */
export function batchLineOf(text: string, line: number, endpoint: string, seen: Set<string>): BatchLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return problem(line, 'invalid_json_line', `line ${line} is not valid JSON`);
  }
  if (!isObject(json)) return problem(line, 'invalid_json_line', `line ${line} is not a JSON object`);
  const { custom_id: customId, method, url, body } = json;
  if (typeof customId !== 'string' || customId === '') return problem(line, 'missing_required_parameter', `line ${line} has no custom_id`, 'custom_id');
  if (customId.length > MAX_CUSTOM_ID)
    return problem(line, 'invalid_custom_id', `line ${line}: custom_id is longer than ${MAX_CUSTOM_ID} characters`, 'custom_id');
  if (seen.has(customId)) return problem(line, 'duplicate_custom_id', `line ${line}: custom_id ${customId} is used by an earlier line`, 'custom_id');
  if (method !== 'POST') return problem(line, 'invalid_method', `line ${line}: method must be POST`, 'method');
  if (url !== endpoint) return problem(line, 'invalid_url', `line ${line}: url must be the batch's endpoint, ${endpoint}`, 'url');
  if (!isObject(body)) return problem(line, 'invalid_body', `line ${line}: body must be an object`, 'body');
  seen.add(customId);
  return {
    ok: true,
    customId,
    request: { provider: 'openai', operation: BATCH_ENDPOINTS[endpoint], body, metadata: { ...BATCH_FACADE_METADATA, [CUSTOM_ID_KEY]: customId } },
  };
}
