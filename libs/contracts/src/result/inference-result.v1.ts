import { IsBoolean, IsDefined, IsEnum, IsIn, IsInt, IsNumber, IsObject, IsString, IsUUID, Matches, MaxLength, Min, MinLength } from 'class-validator';
import { DERIVED_ID_PATTERN, REQUEST_ID_PATTERN, TENANT_PATTERN } from '../common/patterns';
import { Lane, LANES, Provider, PROVIDERS, RESULT_STATUSES, ResultStatus } from '../common/values';
import { ErrorCode } from '../errors/error-code.enum';
import { METADATA_MAP_LIMITS } from '../request/inference-request.v1';
import { IsInstant, IsStringMap, Nested, Optional, PassThrough, RequiredWhen } from '../validation/message.decorators';

export class ResultErrorV1 {
  @IsEnum(ErrorCode)
  code!: ErrorCode;

  @IsString()
  @MaxLength(4096)
  message!: string;

  /** Whether sending the same request again may succeed (rate limits, outages), as opposed to a bad request. */
  @IsBoolean()
  retryable!: boolean;

  /** The provider's own error code or type, kept for support conversations with the provider. */
  @Optional()
  @IsString()
  @MaxLength(256)
  providerCode?: string;

  @Optional()
  @IsString()
  @MaxLength(256)
  providerRequestId?: string;
}

export class UsageV1 {
  @IsInt()
  @Min(0)
  inputTokens!: number;

  @IsInt()
  @Min(0)
  outputTokens!: number;

  /** Input tokens the provider served from its prompt cache (billed at the cached rate). */
  @Optional()
  @IsInt()
  @Min(0)
  cachedInputTokens?: number;
}

export class CostV1 {
  /** What this answer cost in the lane that produced it (0 for a cache hit). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  usd!: number;

  /** What the same usage would have cost on the realtime lane at list price. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  realtimeUsd!: number;

  /** realtimeUsd - usd. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  savedUsd!: number;
}

export class TimingsV1 {
  @IsInstant()
  receivedAt!: string;

  @Optional()
  @IsInstant()
  routedAt?: string;

  @IsInstant()
  completedAt!: string;
}

/**
 * A request's outcome on `sluice.results.v1` (and the request's `replyTo`), keyed by request id.
 * Failed results carry zero usage and cost unless the provider billed the attempt.
 */
export class InferenceResultV1 {
  @IsString()
  @Matches(REQUEST_ID_PATTERN)
  id!: string;

  @IsString()
  @Matches(TENANT_PATTERN)
  tenant!: string;

  /**
   * Identifies this answer, not the request: a request answered by both the batch and the realtime
   * lane has two results with two ids, and a result re-published after a crash keeps its id, so
   * consumers and the ledger deduplicate on it.
   */
  @IsString()
  @Matches(DERIVED_ID_PATTERN)
  resultId!: string;

  @IsIn(RESULT_STATUSES)
  status!: ResultStatus;

  @IsIn(LANES)
  lane!: Lane;

  @IsIn(PROVIDERS)
  provider!: Provider;

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  model!: string;

  /**
   * The provider's id of the call that produced this answer (its `x-request-id` / `request-id`, or
   * one the worker made up when the provider sent none). A lane message redelivered after a crash
   * and answered by a second call keeps its resultId but carries the second call's id: the ledger
   * books that call's spend as extra, so what providers billed and what the ledger booked agree.
   */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  providerRequestId?: string;

  /**
   * Sluice's id of the worker's provider call for this answer, written ahead in the ledger before the
   * call: the ledger marks it answered when the result is booked, and books a call that never got
   * an answer (its worker died mid-call) as extra spend.
   */
  @Optional()
  @IsUUID()
  callId?: string;

  /** The provider's own response body, untouched. */
  @RequiredWhen('status', ['succeeded'])
  @IsObject()
  @PassThrough()
  response?: Record<string, unknown>;

  @RequiredWhen('status', ['failed'])
  @Nested(() => ResultErrorV1)
  error?: ResultErrorV1;

  @IsDefined()
  @Nested(() => UsageV1)
  usage!: UsageV1;

  @IsDefined()
  @Nested(() => CostV1)
  cost!: CostV1;

  @IsDefined()
  @Nested(() => TimingsV1)
  timings!: TimingsV1;

  /**
   * How many chunks of this answer went out on `sluice.stream.v1` before it (seq 0 to chunks - 1, the
   * last one final); absent when the answer was not streamed. The chunks travel on another topic, so a
   * reader may see the result first: this says how many chunks to wait for.
   */
  @Optional()
  @IsInt()
  @Min(1)
  chunks?: number;

  /** The deadline the request had to meet, when it had one. */
  @Optional()
  @IsInstant()
  deadline?: string;

  @Optional()
  @IsBoolean()
  deadlineMet?: boolean;

  /** The request's metadata, carried through. */
  @Optional()
  @IsStringMap(METADATA_MAP_LIMITS)
  @PassThrough()
  metadata?: Record<string, string>;
}

/**
 * A result id that stays the same when the same answer is published again, and differs between
 * lanes and attempts of one request.
 */
export function resultIdFor(tenant: string, requestId: string, lane: Lane, attempt = 1): string {
  return `${tenant}.${requestId}.${lane}.${attempt}`;
}
