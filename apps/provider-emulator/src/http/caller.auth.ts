import type { IncomingHttpHeaders } from 'node:http';
import { API_VERSIONS, type ApiVersion } from '../anthropic/messages/message.builder';
import { EmulatorError, invalidRequest } from './emulator.error';

export interface AnthropicCaller {
  apiKey: string;
  version: ApiVersion;
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value.trim());
  return match ? (match[1] as string).trim() : undefined;
}

function mask(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 3)}****${key.slice(-4)}`;
}

/** The caller's API key from `Authorization: Bearer`, or a 401 in OpenAI's words. */
export function openaiApiKey(headers: IncomingHttpHeaders, allowed: readonly string[]): string {
  const key = bearer(headers);
  if (!key) {
    throw new EmulatorError({
      status: 401,
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    });
  }
  if (allowed.length > 0 && !allowed.includes(key)) {
    throw new EmulatorError({
      status: 401,
      message: `Incorrect API key provided: ${mask(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      code: 'invalid_api_key',
    });
  }
  return key;
}

/**
 * The caller's key from `x-api-key` (SDK 0.x, curl) or `Authorization: Bearer` (SDK 1.x), and its
 * `anthropic-version`, which must be one the emulator speaks.
 */
export function anthropicCaller(headers: IncomingHttpHeaders, allowed: readonly string[]): AnthropicCaller {
  const header = headers['x-api-key'];
  const key = (typeof header === 'string' && header.trim()) || bearer(headers);
  if (!key) throw new EmulatorError({ status: 401, message: 'x-api-key header is required' });
  if (allowed.length > 0 && !allowed.includes(key)) throw new EmulatorError({ status: 401, message: 'invalid x-api-key' });
  const version = headers['anthropic-version'];
  if (typeof version !== 'string' || version.length === 0) throw invalidRequest('anthropic-version: header is required');
  if (!(API_VERSIONS as readonly string[]).includes(version)) {
    throw invalidRequest(`anthropic-version: "${version}" is not a valid version (supported: ${API_VERSIONS.join(', ')})`);
  }
  return { apiKey: key, version: version as ApiVersion };
}
