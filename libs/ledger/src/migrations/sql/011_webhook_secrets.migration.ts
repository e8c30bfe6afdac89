import { Migration } from '../migration';

/*
 * Each tenant's own webhook signing secrets (Standard Webhooks `whsec_…`), so one tenant's signed
 * delivery does not verify at another tenant's receiver.
 * - The secret is kept as is: signing needs it, unlike an API key, which is only ever compared (and
 *   so stored hashed). Whoever reads this table can sign as Sluice for these tenants.
 * - Rotation adds a secret and sets `retires_at` on the current one: until then deliveries carry a
 *   signature with each, so receivers can switch secrets without a window of failed verifications.
 */
export const webhookSecretsMigration: Migration = {
  id: '011_webhook_secrets',
  sql: `
create table webhook_secrets (
  id bigserial primary key,
  tenant_id text not null references tenants (id),
  secret text not null check (secret like 'whsec\\_%'),
  created_at timestamptz not null default now(),
  retires_at timestamptz
);
create index webhook_secrets_tenant on webhook_secrets (tenant_id, id desc);
`,
};
