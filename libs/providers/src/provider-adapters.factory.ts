import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ProviderName } from './pricing/pricing';
import type { BatchAdapter } from './batch.interface';
import type { RealtimeAdapter } from './realtime.interface';
import { OpenAIRealtimeAdapter } from './openai/openai.realtime';
import { OpenAIBatchAdapter } from './openai/openai.batch';
import { AnthropicRealtimeAdapter } from './anthropic/anthropic.realtime';
import { AnthropicBatchAdapter } from './anthropic/anthropic.batch';

export interface ProviderClientConfig {
  /** OpenAI: up to and including `/v1` (`https://api.openai.com/v1`); Anthropic: the host only (`https://api.anthropic.com`). */
  baseURL: string;
  apiKey: string;
  /**
   * SDK-level retries; 0 by default because Sluice retries itself, inside each request's deadline
   * and honouring retry-after, which the SDK's own backoff knows nothing about.
   */
  maxRetries?: number;
  /** Client-wide per-request timeout; each call may pass a shorter one. */
  timeoutMs?: number;
}

export interface ProviderAdaptersConfig {
  openai?: ProviderClientConfig;
  anthropic?: ProviderClientConfig;
}

export interface ProviderAdapterPair {
  realtime: RealtimeAdapter;
  batch: BatchAdapter;
}

export interface ProviderAdapters {
  readonly configured: readonly ProviderName[];
  /** Throws when the provider was not configured: a deployment error, not a provider failure. */
  realtime(provider: ProviderName): RealtimeAdapter;
  batch(provider: ProviderName): BatchAdapter;
}

export const DEFAULT_PROVIDER_TIMEOUT_MS = 600_000;

/** One code path for the real APIs and the provider emulator: only the base URL and key differ. */
export function createProviderAdapters(config: ProviderAdaptersConfig): ProviderAdapters {
  const pairs = new Map<ProviderName, ProviderAdapterPair>();
  if (config.openai) pairs.set('openai', openAIAdapters(config.openai));
  if (config.anthropic) pairs.set('anthropic', anthropicAdapters(config.anthropic));
  const pair = (provider: ProviderName): ProviderAdapterPair => {
    const found = pairs.get(provider);
    if (!found) throw new Error(`provider ${provider} is not configured`);
    return found;
  };
  return {
    configured: [...pairs.keys()],
    realtime: (provider) => pair(provider).realtime,
    batch: (provider) => pair(provider).batch,
  };
}

export function openAIAdapters(config: ProviderClientConfig): ProviderAdapterPair {
  const client = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseURL,
    maxRetries: config.maxRetries ?? 0,
    timeout: config.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
  });
  return { realtime: new OpenAIRealtimeAdapter(client), batch: new OpenAIBatchAdapter(client) };
}

export function anthropicAdapters(config: ProviderClientConfig): ProviderAdapterPair {
  const client = new Anthropic({
    apiKey: config.apiKey,
    // The SDK's paths already start with /v1; a base URL ending in /v1 would double it.
    baseURL: config.baseURL.replace(/\/+$/, '').replace(/\/v1$/, ''),
    maxRetries: config.maxRetries ?? 0,
    // An explicit timeout also lifts the SDK's refusal of long non-streaming calls; Sluice streams those anyway.
    timeout: config.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
  });
  return { realtime: new AnthropicRealtimeAdapter(client), batch: new AnthropicBatchAdapter(client) };
}
