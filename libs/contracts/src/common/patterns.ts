/**
 * Tenant ids are lowercase so `Acme` and `acme` can never be two tenants, and they are safe inside
 * metric labels, topic-derived names and ledger keys without escaping.
 */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Caller-chosen idempotency keys: URL- and header-safe, short enough to index. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Bulk job ids, chosen by the client (to post the same job again without duplicates) or generated.
 * Shorter than request ids: a job's line without an id gets `<job id>-<line number>`, which must
 * still be a request id.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,48}$/;

/** Ids Sluice derives (event ids, result ids, batch ids): request-id characters plus separators. */
export const DERIVED_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,256}$/;

/**
 * An instant: an ISO-8601 date-time with an explicit offset. A date-time without one would be read
 * in whatever zone the parsing process runs in, so two services could disagree about a deadline.
 */
export const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Kafka's legal topic names (`.` and `..` are reserved by Kafka itself). */
export const TOPIC_NAME_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,249}$/;

/**
 * A topic a caller may have results copied to: a legal name that is not one of Kafka's internal
 * topics, which it names `__…` (`__consumer_offsets`, `__transaction_state`) and keeps from clients.
 */
export const REPLY_TOPIC_PATTERN = /^(?!__)(?!\.{1,2}$)[A-Za-z0-9._-]{1,249}$/;

export const METADATA_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export const METADATA_LIMITS = { maxEntries: 32, maxKeyLength: 64, maxValueLength: 1024 } as const;

/** Upper bound on `maxLatencyMs`: 30 days, beyond any batch lane's completion window. */
export const MAX_LATENCY_MS_LIMIT = 30 * 24 * 60 * 60 * 1000;

/** Upper bound on `max_tokens` / `max_completion_tokens` in a request's body: beyond any model's output limit. */
export const MAX_OUTPUT_TOKENS_LIMIT = 1_000_000;

export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** Hosts a webhook may reach over plain http: local receivers in development and tests only. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];
