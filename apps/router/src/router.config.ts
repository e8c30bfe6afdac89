import { EnvInt, EnvString, SluiceConfig } from '@sluice/config';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export class RouterConfig extends SluiceConfig {
  override PORT = 3001;
  override KAFKA_CLIENT_ID = 'sluice-router';
  override KAFKA_GROUP_ID = 'sluice-router';

  @EnvString({
    description:
      'Path of the routing policy JSON file (per-operation deadlines and lanes, turnaround priors and the attainment target, per-tenant budgets and cache sharing); relative paths resolve against the working directory. A missing or invalid file fails the boot.',
    pattern: /\S/,
    rule: 'must be a file path',
  })
  ROUTING_POLICY_FILE = 'deploy/policy/routing-policy.json';

  @EnvInt({
    description:
      'How long an identical request in flight may lead before a newer identical request replaces it as leader (its followers move along), so a lost leader never strands them.',
    min: 1_000,
    max: 24 * HOUR_MS,
  })
  ROUTER_COALESCE_STALE_MS = 10 * MINUTE_MS;

  @EnvInt({
    description:
      'How often the lane turnaround distributions (quantiles of the time to an answer per provider, model and lane) are re-read from the ledger, in one query; routing reads them from memory.',
    min: 1_000,
    max: HOUR_MS,
  })
  ROUTER_ESTIMATES_REFRESH_MS = 30_000;

  @EnvInt({
    description:
      "Results younger than this make the learned turnaround distributions, each blended with the policy's prior by the number of results behind it; what was learned expires this long after the last successful read.",
    min: MINUTE_MS,
    max: 7 * 24 * HOUR_MS,
  })
  ROUTER_ESTIMATES_WINDOW_MS = 6 * HOUR_MS;

  @EnvInt({
    description:
      'How often the ledger is asked for held lane messages (requests waiting for their notBefore) that are due; a request goes to its lane at most this long after its notBefore.',
    min: 100,
    max: MINUTE_MS,
  })
  ROUTER_OFFPEAK_POLL_MS = 1_000;

  @EnvInt({
    description:
      'Held lane messages released per ledger transaction at most (each is read with its provider body); while claims come back full the next one follows at once.',
    min: 1,
    max: 10_000,
  })
  ROUTER_OFFPEAK_BATCH_SIZE = 100;

  @EnvInt({
    description:
      'How often the spend today of the tenants with a daily budget is re-read from the ledger in the background (one query for all); a budget is enforced against a figure at most this old.',
    min: 100,
    max: 10 * MINUTE_MS,
  })
  ROUTER_SPEND_REFRESH_MS = 5_000;
}
