import { EnvString, EnvUrl } from './env-var.decorators';
import { SluiceConfig } from './sluice.config';

const API_KEY = /^\S+$/;

/** The provider endpoints and keys of a service that calls providers (the realtime-worker, the batch-aggregator). */
export class ProviderClientsConfig extends SluiceConfig {
  @EnvUrl({ description: 'OpenAI API base URL, up to and including /v1 (the provider emulator by default).', protocols: ['http:', 'https:'] })
  OPENAI_BASE_URL = 'http://127.0.0.1:4010/v1';

  @EnvString({ description: 'OpenAI API key.', pattern: API_KEY, rule: 'must be a key without spaces', secret: true })
  OPENAI_API_KEY = 'sk-emulator';

  @EnvUrl({ description: 'Anthropic API base URL, the host only (the provider emulator by default).', protocols: ['http:', 'https:'] })
  ANTHROPIC_BASE_URL = 'http://127.0.0.1:4010';

  @EnvString({ description: 'Anthropic API key.', pattern: API_KEY, rule: 'must be a key without spaces', secret: true })
  ANTHROPIC_API_KEY = 'sk-ant-emulator';
}
