import { Migration } from '../migration';

/*
 * Routing by expected cost.
 * - `requests.routing_lanes`: each lane's price, miss probability and expected cost as the router
 *   weighed them, so the decision is on record with its numbers and a redelivered request's `routed`
 *   event is sent again the same.
 * - The router learns each lane's turnaround distribution from every result recorded in a sliding
 *   window (the delivered ones and those that lost a race to an escalation, which are the slow ones),
 *   across all tenants, in one query per refresh: it reads `request_results` by completion time.
 */
export const expectedCostRoutingMigration: Migration = {
  id: '015_expected_cost_routing',
  sql: `
alter table requests add column routing_lanes jsonb;
create index request_results_completed_idx on request_results (completed_at);
`,
};
