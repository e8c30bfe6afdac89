import { invalidRequest } from '../../http/emulator.error';

/** OpenAI's metadata rules: up to 16 string pairs, keys up to 64 characters, values up to 512. */
export function parseMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest("Invalid type for 'metadata': expected an object.", 'metadata', 'invalid_type');
  }
  const entries = Object.entries(value);
  if (entries.length > 16) throw invalidRequest("Invalid 'metadata': at most 16 keys are allowed.", 'metadata', 'invalid_value');
  for (const [key, item] of entries) {
    if (key.length > 64) throw invalidRequest(`Invalid 'metadata': key '${key}' is longer than 64 characters.`, 'metadata');
    if (typeof item !== 'string' || item.length > 512) {
      throw invalidRequest(`Invalid 'metadata.${key}': expected a string of at most 512 characters.`, 'metadata');
    }
  }
  return value as Record<string, string>;
}
