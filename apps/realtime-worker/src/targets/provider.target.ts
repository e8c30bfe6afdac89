import type { ProviderName } from '@sluice/providers';

const PROVIDER_NAMES: readonly string[] = ['openai', 'anthropic'];

/** Where one provider call goes: the limiter, the fallbacks and the metrics all count per target. */
export interface ProviderTarget {
  provider: ProviderName;
  model: string;
}

/** `openai:gpt-4o`: the form targets take in configuration and as limiter keys. */
export function targetKey(target: ProviderTarget): string {
  return `${target.provider}:${target.model}`;
}

export function parseTargetKey(key: string): ProviderTarget | undefined {
  const separator = key.indexOf(':');
  if (separator < 0) return undefined;
  const provider = key.slice(0, separator);
  const model = key.slice(separator + 1);
  if (!PROVIDER_NAMES.includes(provider) || model.length === 0) return undefined;
  return { provider: provider as ProviderName, model };
}
