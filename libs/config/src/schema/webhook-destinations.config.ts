import { EnvList } from './env-var.decorators';
import { SluiceConfig } from './sluice.config';

/** The webhook allowlist of the services that check webhook URLs: ingestion at the door, the result-notifier on every attempt. */
export class WebhookDestinationsConfig extends SluiceConfig {
  @EnvList({
    description:
      'Webhook destinations allowed although internal: host names, addresses or CIDRs, comma-separated (e.g. `127.0.0.1,hooks.internal,10.20.0.0/16`). Unset: webhooks may not reach loopback, private, link-local or other internal addresses, checked on the URL and on every address its host resolves to; plain http only to an allowed loopback host.',
    itemPattern: /^([A-Za-z0-9.-]+|[0-9A-Fa-f:.]+(\/\d{1,3})?)$/,
    itemRule: 'host names, addresses or CIDRs',
    optional: true,
  })
  WEBHOOK_ALLOWED_DESTINATIONS?: string[];
}
