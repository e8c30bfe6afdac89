import { createRepositories } from '@sluice/ledger';
import type { Pool } from 'pg';
import { listApiKeys } from './api-keys.listing';
import type { KeysCommand } from './keys.args';

export interface KeysOutput {
  /** What a script would capture: the key itself, or the listing. */
  out(line: string): void;
  /** Everything said to the operator. */
  note(line: string): void;
}

function when(date: Date | null): string {
  return date === null ? '-' : date.toISOString();
}

/** Runs one command against the ledger; returns the exit code. */
export async function runKeysCommand(pool: Pool, command: Exclude<KeysCommand, { command: 'help' }>, output: KeysOutput): Promise<number> {
  const ledger = createRepositories(pool);
  switch (command.command) {
    case 'create': {
      const tenant = await ledger.tenants.get(command.tenant);
      if (tenant?.disabledAt) {
        output.note(`tenant ${command.tenant} is disabled: its keys would not authenticate; no key issued`);
        return 1;
      }
      if (tenant === undefined) {
        await ledger.tenants.upsert(command.tenant);
        output.note(`created tenant ${command.tenant}`);
      }
      const issued = await ledger.apiKeys.issue(command.tenant, command.label);
      output.note(`API key ${issued.prefix} for tenant ${command.tenant}; it is shown this once, store it now:`);
      output.out(issued.key);
      return 0;
    }
    case 'revoke': {
      if (await ledger.apiKeys.revoke(command.prefix)) {
        output.note(`revoked key ${command.prefix}`);
        return 0;
      }
      output.note(`no live key with prefix ${command.prefix} (unknown, or already revoked)`);
      return 1;
    }
    case 'webhook-secret': {
      const tenant = await ledger.tenants.get(command.tenant);
      if (tenant === undefined) {
        output.note(`no tenant ${command.tenant}: create it with an API key first (npm run keys -- create --tenant ${command.tenant})`);
        return 1;
      }
      const rotated = await ledger.webhookSecrets.rotate(command.tenant, command.overlapMs);
      const previous = rotated.retiring === 0 ? 'it is its first' : `the previous one signs along for ${Math.round(command.overlapMs / 1000)} s, then stops`;
      output.note(`webhook secret ${rotated.id} for tenant ${command.tenant} (${previous}); it is shown this once, give it to the tenant now:`);
      output.out(rotated.secret);
      return 0;
    }
    case 'bind': {
      if (!(await ledger.tenants.setIntakeTopics(command.tenant, command.topics))) {
        output.note(`no tenant ${command.tenant}: create it with an API key first (npm run keys -- create --tenant ${command.tenant})`);
        return 1;
      }
      output.note(
        command.topics === null
          ? `tenant ${command.tenant} is bound to no intake topic: INGESTION_UNCONFIGURED_TENANTS decides`
          : `tenant ${command.tenant} may be spoken for from ${command.topics.join(', ')} only`,
      );
      return 0;
    }
    case 'reply-to': {
      if (!(await ledger.tenants.setReplyToPrefixes(command.tenant, command.prefixes))) {
        output.note(`no tenant ${command.tenant}: create it with an API key first (npm run keys -- create --tenant ${command.tenant})`);
        return 1;
      }
      output.note(
        command.prefixes === null
          ? `tenant ${command.tenant} has no replyTo prefixes: INGESTION_UNCONFIGURED_TENANTS decides`
          : `tenant ${command.tenant}'s replyTo topics must start with ${command.prefixes.join(' or ')}`,
      );
      return 0;
    }
    case 'list': {
      const keys = await listApiKeys(pool, command.tenant);
      if (keys.length === 0) {
        output.note(`tenant ${command.tenant} has no API keys`);
        return 0;
      }
      output.out(['prefix', 'label', 'created', 'last used', 'revoked'].join('\t'));
      for (const key of keys) {
        output.out([key.prefix, key.label ?? '-', when(key.createdAt), when(key.lastUsedAt), when(key.revokedAt)].join('\t'));
      }
      return 0;
    }
  }
}
