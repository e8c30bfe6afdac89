import { Migration } from '../migration';

/*
 * Who may speak for a tenant on Kafka, and where its answers may go, next to its API keys.
 * - `intake_topics`: the intake topics a request for the tenant may come from (the cluster's ACLs
 *   say who may write each topic; Sluice says which tenants each topic may speak for). NULL: not
 *   bound, which INGESTION_UNCONFIGURED_TENANTS decides.
 * - `reply_to_prefixes`: the prefixes a request's `replyTo` topic must start with. NULL: likewise.
 * - Arrays on the tenant row, not tables of their own: ingestion reads every configured tenant into
 *   memory in one query and never per message, and an operator sets each list whole.
 */
export const tenantPoliciesMigration: Migration = {
  id: '012_tenant_policies',
  sql: `
alter table tenants
  add column intake_topics text[] check (cardinality(intake_topics) > 0),
  add column reply_to_prefixes text[] check (cardinality(reply_to_prefixes) > 0);
`,
};
