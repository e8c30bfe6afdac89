import { Migration } from '../migration';

/*
 * The router learns each lane's turnaround distribution from every result recorded in a sliding
 * window (the delivered ones and those that lost a race to an escalation, which are the slow ones),
 * across all tenants, in one query per refresh: it reads `request_results` by completion time.
 */
export const resultTurnaroundsMigration: Migration = {
  id: '015_result_turnarounds',
  sql: `
create index request_results_completed_idx on request_results (completed_at);
`,
};
