import { IsBoolean, IsIn, IsInt, IsNotIn, IsObject, IsPositive, IsString, Matches, Max } from 'class-validator';
import { MAX_LATENCY_MS_LIMIT, METADATA_KEY_PATTERN, METADATA_LIMITS, REPLY_TOPIC_PATTERN, REQUEST_ID_PATTERN, TENANT_PATTERN } from '../common/patterns';
import { Operation, OPERATIONS, Provider, PROVIDERS, REQUEST_MODES, RequestMode } from '../common/values';
import { ALL_TOPICS } from '../topics/topics.registry';
import { clipNesting, nestingErrors } from '../validation/json-nesting';
import {
  HasNoProperty,
  HasStringProperty,
  InstantBefore,
  IsInstant,
  IsStringMap,
  IsWebhookUrl,
  Nested,
  NotTogetherWith,
  Optional,
  PassThrough,
} from '../validation/message.decorators';
import { validateMessage, type ValidationOutcome } from '../validation/validate-message';
import { requestRuleErrors } from './request.rules';

export const METADATA_MAP_LIMITS = {
  maxEntries: METADATA_LIMITS.maxEntries,
  keyPattern: METADATA_KEY_PATTERN,
  maxValueLength: METADATA_LIMITS.maxValueLength,
};

/** The provider's own request body (OpenAI chat.completions/embeddings params, Anthropic messages params). */
export type ProviderRequestBody = { model: string } & Record<string, unknown>;

export class WebhookTargetV1 {
  @IsString()
  @IsWebhookUrl()
  url!: string;
}

/**
 * Every field of a request except its id, shared by the request as produced (id optional) and as
 * accepted (id assigned). Not a message on its own.
 */
export abstract class InferenceRequestFieldsV1 {
  @IsString()
  @Matches(TENANT_PATTERN, { message: 'tenant must be lowercase letters, digits, _ or -, starting with a letter or digit, at most 64 characters' })
  tenant!: string;

  @IsIn(PROVIDERS)
  provider!: Provider;

  @IsIn(OPERATIONS)
  operation!: Operation;

  /**
   * Passed to the provider as is; Sluice reads `model`. The provider's service tier is Sluice's to
   * choose: a tier asked for here (OpenAI's `priority`, say) would be billed at its own price while
   * Sluice books the price of the lane it chose.
   */
  @IsObject()
  @HasStringProperty('model')
  @HasNoProperty('service_tier', "Sluice picks the service tier from the request's deadline (flex or standard by the lane it routes to)")
  @PassThrough()
  body!: ProviderRequestBody;

  @Optional()
  @IsIn(REQUEST_MODES)
  mode: RequestMode = 'auto';

  @Optional()
  @IsInstant()
  deadline?: string;

  /** A deadline relative to when Sluice received the request; resolved to `deadline` on acceptance. */
  @Optional()
  @IsInt()
  @IsPositive()
  @Max(MAX_LATENCY_MS_LIMIT)
  @NotTogetherWith('deadline')
  maxLatencyMs?: number;

  /** Off-peak work: not sent to a provider before this instant. */
  @Optional()
  @IsInstant()
  @InstantBefore('deadline')
  notBefore?: string;

  /** Token chunks on `sluice.stream.v1` while a chat completion runs on a synchronous lane. */
  @Optional()
  @IsBoolean()
  stream = false;

  /** Whether an identical earlier answer (same tenant, provider, operation and body) may be reused. */
  @Optional()
  @IsBoolean()
  cache = true;

  /** A topic of the caller's that receives this request's result as well; never one of Sluice's own or Kafka's. */
  @Optional()
  @IsString()
  @Matches(REPLY_TOPIC_PATTERN, {
    message: 'replyTo must be a Kafka topic name (1-249 of A-Z, a-z, 0-9, ., _ or -; not . or ..) and not an internal one (starting with __)',
  })
  @IsNotIn(ALL_TOPICS, { message: "replyTo must not be one of Sluice's own topics" })
  replyTo?: string;

  @Optional()
  @Nested(() => WebhookTargetV1)
  webhook?: WebhookTargetV1;

  /** Free string pairs carried through to the result and events. */
  @Optional()
  @IsStringMap(METADATA_MAP_LIMITS)
  @PassThrough()
  metadata?: Record<string, string>;
}

/** A request as producers send it on `sluice.requests.v1` or POST to `/v1/requests`. */
export class InferenceRequestV1 extends InferenceRequestFieldsV1 {
  /** Idempotency key, unique per tenant; generated on acceptance when absent. */
  @Optional()
  @IsString()
  @Matches(REQUEST_ID_PATTERN, { message: 'id must be 1-64 characters of A-Z, a-z, 0-9, _ or -' })
  id?: string;
}

/**
 * A request from outside Sluice (Kafka, HTTP, a job's line) validated as InferenceRequestV1 and by
 * the rules the decorators cannot say (requestRuleErrors). A field nested too deep for validation to
 * walk (MAX_FIELD_NESTING) is refused by name, and the rest of the request is still checked on a copy
 * cut short there: its tenant decides where the refusal is reported.
 */
export function validateRequest(plain: unknown): ValidationOutcome<InferenceRequestV1> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return validateMessage(InferenceRequestV1, plain);
  const tooDeep = nestingErrors(plain);
  const readable = tooDeep.length === 0 ? (plain as Record<string, unknown>) : (clipNesting(plain) as Record<string, unknown>);
  const checked = validateMessage(InferenceRequestV1, readable);
  const rules = requestRuleErrors(readable);
  if (tooDeep.length === 0 && rules.length === 0) return checked;
  const found = checked.ok ? [] : checked.errors;
  const named = new Set(found.map((error) => error.field));
  const within = (field: string) => tooDeep.some((error) => field === error.field || field.startsWith(`${error.field}.`));
  const others = [...found, ...rules.filter((error) => !named.has(error.field))].filter((error) => !within(error.field));
  return { ok: false, errors: [...tooDeep, ...others] };
}

/** The absolute deadline a request asks for, if any: its `deadline`, or `maxLatencyMs` after receipt. */
export function resolveDeadline(request: Pick<InferenceRequestFieldsV1, 'deadline' | 'maxLatencyMs'>, receivedAt: Date): string | undefined {
  if (request.deadline !== undefined) return new Date(request.deadline).toISOString();
  if (request.maxLatencyMs !== undefined) return new Date(receivedAt.getTime() + request.maxLatencyMs).toISOString();
  return undefined;
}
