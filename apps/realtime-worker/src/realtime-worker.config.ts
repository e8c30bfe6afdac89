import { EnvInt, EnvString, ProviderClientsConfig } from '@sluice/config';
import { ValidateBy } from 'class-validator';
import { Parsed, parseConcurrencyMap, parseFallbackMap } from './targets/target.maps';

const JSON_TEXT = /^[\s\S]+$/;
const FRACTION = /^(0(\.\d+)?|\.\d+)$/;

/** A JSON setting checked at boot by the same parser the worker uses, so its problems name the variable. */
function ValidJson(parse: (raw: string) => Parsed<unknown>): PropertyDecorator {
  return ValidateBy({
    name: 'workerJsonSetting',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || parse(value).ok,
      defaultMessage: (args?: { value: unknown }) => {
        const parsed = parse(String(args?.value));
        return parsed.ok ? 'is invalid' : parsed.problems.join('; ');
      },
    },
  });
}

export class RealtimeWorkerConfig extends ProviderClientsConfig {
  override PORT = 3002;
  override KAFKA_CLIENT_ID = 'sluice-realtime-worker';
  /** Each lane has its own consumer group, `<this>.realtime` and `<this>.async` (see LanesConsumer). */
  override KAFKA_GROUP_ID = 'sluice-realtime-worker';

  @EnvString({
    description:
      'Routing policy file; the worker reads its reservedRealtimeShare when WORKER_REALTIME_RESERVED_SHARE is unset. A missing file means the built-in policy.',
    pattern: /^\S(.*\S)?$/,
    rule: 'must be a file path',
  })
  ROUTING_POLICY_FILE = 'deploy/policy/routing-policy.json';

  @EnvInt({ description: 'Provider calls at once per provider and model (realtime and async together).', min: 1, max: 10_000 })
  WORKER_MAX_CONCURRENCY = 32;

  @EnvString({
    description: 'Per provider and model overrides of WORKER_MAX_CONCURRENCY, as JSON: {"openai:gpt-4o": 64}.',
    pattern: JSON_TEXT,
    rule: 'must be a JSON object',
  })
  @ValidJson(parseConcurrencyMap)
  WORKER_MODEL_CONCURRENCY = '{}';

  @EnvString({
    description:
      "Fraction of each provider model's concurrency that async work may never take (realtime may use all of it). Unset: the routing policy's reservedRealtimeShare (0.3 by default).",
    pattern: FRACTION,
    rule: 'must be a decimal fraction from 0 up to, not including, 1 (e.g. 0.3)',
    optional: true,
  })
  WORKER_REALTIME_RESERVED_SHARE?: string;

  @EnvInt({ description: 'Provider calls per request and model, the first included, on retryable failures (all within the deadline).', min: 1, max: 50 })
  WORKER_MAX_ATTEMPTS = 5;

  @EnvInt({ description: 'Backoff before the second call after a transient provider failure; it doubles each time, with jitter.', min: 0, max: 60_000 })
  WORKER_RETRY_BASE_DELAY_MS = 250;

  @EnvInt({ description: "Cap of that backoff (a provider's retry-after is honoured in full, bounded by the deadline).", min: 1, max: 600_000 })
  WORKER_RETRY_MAX_DELAY_MS = 8_000;

  @EnvString({
    description:
      'Fallback model once the retries of retryable failures are spent (or the next retry would miss the deadline), as JSON: {"openai:gpt-4o": "openai:gpt-4o-mini"}. Same provider only.',
    pattern: JSON_TEXT,
    rule: 'must be a JSON object',
  })
  @ValidJson(parseFallbackMap)
  WORKER_FALLBACKS = '{}';

  @EnvInt({
    description:
      'Lane messages of one fetched partition batch handed over at once; their calls start as provider slots allow and each is committed once it and every earlier one of its partition is answered.',
    min: 1,
    max: 1_000,
  })
  WORKER_PARTITION_BATCH_SIZE = 16;

  @EnvInt({
    description: 'Partitions (per lane) whose messages are handled at the same time.',
    min: 1,
    max: 1_000,
  })
  WORKER_PARTITIONS_CONCURRENCY = 16;

  @EnvInt({
    description:
      'Lane messages held per lane (calling the provider or waiting for a slot) before fetching pauses; it resumes under half of it. Unset: the largest provider concurrency (WORKER_MAX_CONCURRENCY or a WORKER_MODEL_CONCURRENCY override) plus WORKER_PARTITION_BATCH_SIZE, resuming at that concurrency.',
    min: 2,
    max: 100_000,
    optional: true,
  })
  WORKER_MAX_IN_FLIGHT?: number;

  @EnvInt({
    description:
      "Largest result (JSON bytes) the worker publishes; a provider answer that would make a larger one (a big batch of large embeddings) becomes a failed result PAYLOAD_TOO_LARGE carrying the call's cost. Keep it under the broker's message.max.bytes (1 MiB by default) and the results topic's max.message.bytes.",
    min: 1_024,
    max: 100_000_000,
  })
  WORKER_MAX_RESULT_BYTES = 1_000_000;
}
