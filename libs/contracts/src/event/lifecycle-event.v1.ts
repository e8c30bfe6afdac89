import { IsBoolean, IsEnum, IsIn, IsInt, IsNumber, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { DERIVED_ID_PATTERN, REQUEST_ID_PATTERN, TENANT_PATTERN } from '../common/patterns';
import { Lane, LANES, Operation, OPERATIONS, Provider, PROVIDERS } from '../common/values';
import { ErrorCode } from '../errors/error-code.enum';
import { METADATA_MAP_LIMITS } from '../request/inference-request.v1';
import { IsInstant, IsStringMap, Nested, Optional, RequiredWhen } from '../validation/message.decorators';

export const LIFECYCLE_EVENT_TYPES = [
  'accepted',
  'rejected',
  'routed',
  'queued',
  'batched',
  'submitted',
  'progress',
  'escalated',
  'completed',
  'failed',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export class EventErrorV1 {
  @IsEnum(ErrorCode)
  code!: ErrorCode;

  @IsString()
  @MaxLength(4096)
  message!: string;

  /** Dotted path of the offending request field, for rejections. */
  @Optional()
  @IsString()
  @MaxLength(256)
  field?: string;
}

export class ProgressV1 {
  @IsInt()
  @Min(0)
  done!: number;

  @IsInt()
  @Min(1)
  total!: number;
}

/** One lane as routing weighed it for a request. */
export class LaneWeighingV1 {
  /** What the lane charges when it answers. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  priceUsd!: number;

  /** The probability that the lane has not answered in time (for batch: by the deadline less the escalation lead). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  missProbability!: number;

  /** The probability that the deadline is met, counting a batch request escalated to realtime. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  meetProbability!: number;

  /** The price, plus for batch the realtime price times the probability of escalating. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  expectedCostUsd!: number;
}

/** Every lane routing weighed (those the policy allows and the model offers), so a user can see why it chose one. */
export class LaneWeighingsV1 {
  @Optional()
  @Nested(() => LaneWeighingV1)
  realtime?: LaneWeighingV1;

  @Optional()
  @Nested(() => LaneWeighingV1)
  async?: LaneWeighingV1;

  @Optional()
  @Nested(() => LaneWeighingV1)
  batch?: LaneWeighingV1;
}

/**
 * One step in a request's life on `sluice.events.v1`, keyed by request id. The type decides which
 * optional fields are present (and which are required: see the `RequiredWhen` rules).
 */
export class LifecycleEventV1 {
  /** Stable across re-emission of the same step, so webhook receivers and the ledger deduplicate on it. */
  @IsString()
  @Matches(DERIVED_ID_PATTERN)
  eventId!: string;

  @IsIn(LIFECYCLE_EVENT_TYPES)
  type!: LifecycleEventType;

  /** For a rejection of a request whose id was absent or invalid, the id ingestion generated. */
  @IsString()
  @Matches(REQUEST_ID_PATTERN)
  requestId!: string;

  @IsString()
  @Matches(TENANT_PATTERN)
  tenant!: string;

  @IsInstant()
  at!: string;

  @RequiredWhen('type', ['routed', 'queued', 'escalated', 'completed'])
  @IsIn(LANES)
  lane?: Lane;

  @RequiredWhen('type', ['routed', 'escalated'])
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  reason?: string;

  @RequiredWhen('type', ['rejected', 'failed'])
  @Nested(() => EventErrorV1)
  error?: EventErrorV1;

  @RequiredWhen('type', ['progress'])
  @Nested(() => ProgressV1)
  progress?: ProgressV1;

  /** Sluice's batch id (the ledger's), for batched, submitted and progress events of the batch lane. */
  @RequiredWhen('type', ['batched'])
  @IsString()
  @Matches(DERIVED_ID_PATTERN)
  batchId?: string;

  @Optional()
  @IsString()
  @MaxLength(256)
  providerBatchId?: string;

  @RequiredWhen('type', ['completed'])
  @IsString()
  @Matches(DERIVED_ID_PATTERN)
  resultId?: string;

  @Optional()
  @IsIn(PROVIDERS)
  provider?: Provider;

  @Optional()
  @IsString()
  @MaxLength(256)
  model?: string;

  @Optional()
  @IsIn(OPERATIONS)
  operation?: Operation;

  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  estimatedCostUsd?: number;

  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  costUsd?: number;

  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  realtimeCostUsd?: number;

  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  savedUsd?: number;

  @Optional()
  @IsInstant()
  deadline?: string;

  /** On `routed`: each lane's price, miss probability and expected cost, as the lane was chosen by. */
  @Optional()
  @Nested(() => LaneWeighingsV1)
  lanes?: LaneWeighingsV1;

  @Optional()
  @IsBoolean()
  deadlineMet?: boolean;

  @Optional()
  @IsStringMap(METADATA_MAP_LIMITS)
  metadata?: Record<string, string>;
}

/**
 * The id of one lifecycle step: the same inputs give the same id, so a service that re-emits a step
 * after a crash produces a duplicate that receivers can drop. `discriminator` tells apart repeated
 * steps of one type (a progress count, a batch id, an escalation attempt).
 */
export function lifecycleEventId(tenant: string, requestId: string, type: LifecycleEventType, discriminator?: string | number): string {
  const base = `${tenant}.${requestId}.${type}`;
  return discriminator === undefined ? base : `${base}.${String(discriminator)}`;
}

/** What every event about a request repeats, so a notification consumer needs no lookup. */
export function eventSubjectOf(request: {
  id: string;
  tenant: string;
  provider: Provider;
  operation: Operation;
  body: { model: string };
  metadata?: Record<string, string>;
}): Pick<LifecycleEventV1, 'requestId' | 'tenant' | 'provider' | 'model' | 'operation' | 'metadata'> {
  return {
    requestId: request.id,
    tenant: request.tenant,
    provider: request.provider,
    model: request.body.model,
    operation: request.operation,
    ...(request.metadata ? { metadata: request.metadata } : {}),
  };
}
