import { isSluiceTopic, parseDuration, TENANT_PATTERN, TOPIC_NAME_PATTERN, Topics } from '@sluice/contracts';

export type KeysCommand =
  | { command: 'create'; tenant: string; label: string | null }
  | { command: 'revoke'; prefix: string }
  | { command: 'list'; tenant: string }
  | { command: 'webhook-secret'; tenant: string; overlapMs: number }
  /** null: unbind (the tenant is then as INGESTION_UNCONFIGURED_TENANTS says). */
  | { command: 'bind'; tenant: string; topics: string[] | null }
  | { command: 'reply-to'; tenant: string; prefixes: string[] | null }
  | { command: 'help' };

export const USAGE = `usage: npm run keys -- <command>

commands:
  create --tenant <tenant> [--label <text>]
                      issue an API key for the tenant (created when it does not exist yet);
                      the key is printed once, on stdout: store it now, only its hash is kept
  revoke <prefix>     revoke the key with this prefix (the 12 hex characters after "slc_")
  list --tenant <tenant>
                      the tenant's keys: prefix, label, created, last used, revoked (never the keys)
  webhook-secret --tenant <tenant> [--overlap <duration>]
                      give the tenant a webhook signing secret of its own (whsec_...), printed once on
                      stdout; its webhooks are signed with it from then on (within
                      NOTIFIER_WEBHOOK_SECRETS_REFRESH_MS). Run again to rotate: the previous secret
                      signs along for --overlap (default 24h; 0 stops it at once), so the receiver can switch
  bind --tenant <tenant> --topics <topic,...|none>
                      the intake topics requests for the tenant may come from on Kafka (e.g.
                      sluice.requests.bulk.v1); a request for it from any other is rejected
                      (TENANT_NOT_BOUND). none unbinds it. Ingestion applies it within
                      INGESTION_TENANT_POLICIES_REFRESH_MS
  reply-to --tenant <tenant> --prefixes <prefix,...|none>
                      the prefixes the tenant's replyTo topics must start with; any other replyTo
                      is rejected (REPLY_TO_NOT_ALLOWED). none removes them

environment:
  DATABASE_URL        the ledger; default postgres://postgres@127.0.0.1:5432/sluice
`;

export class UsageError extends Error {}

const PREFIX = /^[0-9a-f]{12}$/;

/** `--name value` options; anything else is a positional argument. */
function options(args: readonly string[], known: readonly string[]): { values: Map<string, string>; positional: string[] } {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    if (!known.includes(arg)) throw new UsageError(`unknown option ${arg}`);
    const value = args[index + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    values.set(arg, value);
    index += 1;
  }
  return { values, positional };
}

function tenantOf(values: Map<string, string>, command: string): string {
  const tenant = values.get('--tenant');
  if (tenant === undefined) throw new UsageError(`${command} needs --tenant <tenant>`);
  if (!TENANT_PATTERN.test(tenant)) {
    throw new UsageError(`"${tenant}" is not a tenant id: lowercase letters, digits, _ or -, starting with a letter or digit, at most 64 characters`);
  }
  return tenant;
}

/** A comma-separated list, or null for `none`. */
function listOf(values: Map<string, string>, option: string, command: string): string[] | null {
  const text = values.get(option);
  if (text === undefined) throw new UsageError(`${command} needs ${option} <a,b,...|none>`);
  if (text === 'none') return null;
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new UsageError(`${option} "${text}" has an empty item`);
  return [...new Set(items)];
}

export function parseKeysArgs(argv: readonly string[]): KeysCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case 'create': {
      const { values, positional } = options(rest, ['--tenant', '--label']);
      if (positional.length > 0) throw new UsageError(`unexpected argument for create: ${positional.join(' ')}`);
      return { command: 'create', tenant: tenantOf(values, 'create'), label: values.get('--label') ?? null };
    }
    case 'revoke': {
      const { positional } = options(rest, []);
      if (positional.length !== 1) throw new UsageError('revoke takes exactly one key prefix');
      const prefix = positional[0].replace(/^slc_/, '');
      if (!PREFIX.test(prefix)) throw new UsageError(`"${positional[0]}" is not a key prefix (12 hex characters, as "list" shows them)`);
      return { command: 'revoke', prefix };
    }
    case 'list': {
      const { values, positional } = options(rest, ['--tenant']);
      if (positional.length > 0) throw new UsageError(`unexpected argument for list: ${positional.join(' ')}`);
      return { command: 'list', tenant: tenantOf(values, 'list') };
    }
    case 'webhook-secret': {
      const { values, positional } = options(rest, ['--tenant', '--overlap']);
      if (positional.length > 0) throw new UsageError(`unexpected argument for webhook-secret: ${positional.join(' ')}`);
      const overlap = values.get('--overlap') ?? '24h';
      const overlapMs = overlap === '0' ? 0 : parseDuration(overlap);
      if (overlapMs === undefined) throw new UsageError(`--overlap "${overlap}" is not a duration (e.g. 24h, 30m, 0)`);
      return { command: 'webhook-secret', tenant: tenantOf(values, 'webhook-secret'), overlapMs };
    }
    case 'bind': {
      const { values, positional } = options(rest, ['--tenant', '--topics']);
      if (positional.length > 0) throw new UsageError(`unexpected argument for bind: ${positional.join(' ')}`);
      const topics = listOf(values, '--topics', 'bind');
      const wrong = topics?.find((topic) => topic !== Topics.Requests && topic !== Topics.RequestsBulk);
      if (wrong !== undefined) throw new UsageError(`"${wrong}" is not an intake topic ingestion reads (${Topics.Requests}, ${Topics.RequestsBulk})`);
      return { command: 'bind', tenant: tenantOf(values, 'bind'), topics };
    }
    case 'reply-to': {
      const { values, positional } = options(rest, ['--tenant', '--prefixes']);
      if (positional.length > 0) throw new UsageError(`unexpected argument for reply-to: ${positional.join(' ')}`);
      const prefixes = listOf(values, '--prefixes', 'reply-to');
      const wrong = prefixes?.find(
        (prefix) => !TOPIC_NAME_PATTERN.test(prefix) || prefix.startsWith('__') || isSluiceTopic(prefix) || prefix.startsWith('sluice.'),
      );
      if (wrong !== undefined) throw new UsageError(`"${wrong}" cannot start a replyTo topic: topic-name characters, not internal (__) nor Sluice's (sluice.)`);
      return { command: 'reply-to', tenant: tenantOf(values, 'reply-to'), prefixes };
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
