import { EnvInt, EnvString, ProviderClientsConfig } from '@sluice/config';

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

export class BatchAggregatorConfig extends ProviderClientsConfig {
  override PORT = 3003;
  override KAFKA_CLIENT_ID = 'sluice-batch-aggregator';
  override KAFKA_GROUP_ID = 'sluice-batch-aggregator';

  @EnvString({
    description:
      "Path of the routing policy JSON file, the router's own (ROUTING_POLICY_FILE of the router): the aggregator plans windows and resubmissions with its batch turnaround priors, blended with what the ledger shows, and its deadline guard re-issues a request on the realtime lane turnaround.escalationLeadMs before its deadline, the lead the router plans with. A missing or invalid file fails the boot.",
    pattern: /\S/,
    rule: 'must be a file path',
  })
  ROUTING_POLICY_FILE = 'deploy/policy/routing-policy.json';

  @EnvInt({
    description:
      "How often the batch lane's turnaround distributions (per provider and model) are re-read from the ledger, in one query; windows and resubmissions are planned from memory.",
    min: SECOND_MS,
    max: HOUR_MS,
  })
  BATCH_TURNAROUNDS_REFRESH_MS = 30 * SECOND_MS;

  @EnvInt({
    description:
      "Results younger than this make the learned turnaround distributions, each blended with the policy's prior by the number of results behind it.",
    min: MINUTE_MS,
    max: 7 * 24 * HOUR_MS,
  })
  BATCH_TURNAROUNDS_WINDOW_MS = 6 * HOUR_MS;

  @EnvInt({
    description:
      "Longest a window waits for more requests before it is submitted. Longer windows make fewer, larger batches; a window also closes when it reaches the provider limits, or when its earliest deadline is no further than the time within which 90 % of the model's batches answer (its turnaround distribution).",
    min: 100,
    max: 24 * HOUR_MS,
  })
  BATCH_WINDOW_MAX_AGE_MS = MINUTE_MS;

  @EnvInt({
    description: "Most requests in one provider batch; the provider's own limit (OpenAI 50,000, Anthropic 100,000) applies when it is lower.",
    min: 1,
    max: 100_000,
  })
  BATCH_WINDOW_MAX_REQUESTS = 100_000;

  @EnvInt({
    description:
      'Most requests waiting in all open windows together (one window per provider, operation and model); past it the largest window is submitted early. The aggregator keeps a small entry per waiting request, and `npm run up` caps its heap by this.',
    min: 1,
    max: 1_000_000,
  })
  BATCH_WINDOWS_MAX_WAITING = 100_000;

  @EnvInt({ description: 'How often the deadline guard looks for batched requests to escalate.', min: 100, max: 10 * MINUTE_MS })
  BATCH_GUARD_INTERVAL_MS = 5 * SECOND_MS;

  @EnvInt({ description: 'Shortest wait between two polls of a provider batch (after it moved); the wait doubles while it does not.', min: 100, max: HOUR_MS })
  BATCH_POLL_MIN_MS = 2 * SECOND_MS;

  @EnvInt({ description: 'Longest wait between two polls of a provider batch.', min: 100, max: HOUR_MS })
  BATCH_POLL_MAX_MS = MINUTE_MS;

  @EnvInt({ description: 'Provider polls and batch resolutions at once.', min: 1, max: 1_000 })
  BATCH_POLL_CONCURRENCY = 8;

  @EnvInt({
    description: "Least time between two `progress` events of a batch's requests (one per request per report); 0 reports only when the batch ends.",
    min: 0,
    max: 24 * HOUR_MS,
  })
  BATCH_PROGRESS_INTERVAL_MS = 30 * SECOND_MS;

  @EnvInt({ description: 'Batch submissions per request (the first included) before what does not come back goes to the realtime lane.', min: 1, max: 20 })
  BATCH_MAX_ATTEMPTS = 3;
}
