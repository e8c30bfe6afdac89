import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ALL_ERROR_CODES, LANES, OPERATIONS, PROVIDERS, REQUEST_MODES } from '@sluice/contracts';
import { REQUEST_STATUSES } from '@sluice/ledger';
import { HTTP_ONLY_ERROR_CODES } from '../http/errors/api.error';

// OpenAPI descriptions of the HTTP API's bodies. The rules themselves live in @sluice/contracts
// (InferenceRequestV1) and are enforced there; these classes only document them for /openapi.json.

const ERROR_CODES = [...ALL_ERROR_CODES, ...HTTP_ONLY_ERROR_CODES];

export class FieldErrorDoc {
  @ApiProperty({ enum: ALL_ERROR_CODES, example: 'MISSING_FIELD' })
  code!: string;

  @ApiProperty({ example: 'body.model is required' })
  message!: string;

  @ApiProperty({ description: 'Dotted path of the field; in a bulk body prefixed with `requests.<index>`.', example: 'body.model' })
  field!: string;
}

export class ApiErrorDetailDoc {
  @ApiProperty({ enum: ERROR_CODES, example: 'UNAUTHENTICATED' })
  code!: string;

  @ApiProperty({ example: 'send an API key: Authorization: Bearer slc_...' })
  message!: string;

  @ApiPropertyOptional({ example: 'id' })
  field?: string;
}

export class ApiErrorDoc {
  @ApiProperty({ type: ApiErrorDetailDoc })
  error!: ApiErrorDetailDoc;

  @ApiPropertyOptional({ type: [FieldErrorDoc], description: 'Every problem of a refused submission, one per field.' })
  errors?: FieldErrorDoc[];
}

/** What a 503 of a read means. */
export const READ_TIMED_OUT = 'TIMEOUT: the answer took longer than INGESTION_READ_DEADLINE_MS; retry.';

/** What a 429 of any route means: every route counts against the key's one limit. */
export const API_KEY_OVER_LIMIT =
  'The API key made more requests than INGESTION_RATE_LIMIT_REQUESTS in the last INGESTION_RATE_LIMIT_WINDOW_MS (all routes together), or holds its most event streams open; code RATE_LIMITED, Retry-After says when to try again.';

export class WebhookTargetDoc {
  @ApiProperty({
    description:
      'https URL without credentials (http only for an allowed loopback host); internal addresses (loopback, private, link-local) only where WEBHOOK_ALLOWED_DESTINATIONS allows them.',
    example: 'https://hooks.example.com/sluice',
  })
  url!: string;
}

export class InferenceRequestDoc {
  @ApiPropertyOptional({ description: 'Idempotency key, unique per tenant; generated when absent.', pattern: '^[A-Za-z0-9_-]{1,64}$' })
  id?: string;

  @ApiPropertyOptional({ description: "The API key's tenant; may be left out, must not name another.", example: 'acme' })
  tenant?: string;

  @ApiProperty({ enum: PROVIDERS })
  provider!: string;

  @ApiProperty({ enum: OPERATIONS })
  operation!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      "The provider's own request body (OpenAI chat.completions or embeddings params, Anthropic messages params); `model` is required, " +
      '`service_tier` is refused (Sluice picks the tier from the deadline).',
    example: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] },
  })
  body!: Record<string, unknown>;

  @ApiPropertyOptional({ enum: REQUEST_MODES, default: 'auto' })
  mode?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'ISO-8601 instant with an offset; exclusive with maxLatencyMs.' })
  deadline?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'A deadline relative to receipt, in milliseconds.' })
  maxLatencyMs?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'Not sent to a provider before this instant.' })
  notBefore?: string;

  @ApiPropertyOptional({ default: false, description: 'Token chunks as `chunk` events while a chat completion runs.' })
  stream?: boolean;

  @ApiPropertyOptional({ default: true, description: 'Whether an identical earlier answer may be reused.' })
  cache?: boolean;

  @ApiPropertyOptional({ description: "A Kafka topic of the caller's that receives the result as well: not one of Sluice's, nor an internal one (`__…`)." })
  replyTo?: string;

  @ApiPropertyOptional({ type: WebhookTargetDoc })
  webhook?: WebhookTargetDoc;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'String pairs carried through to the result and events.' })
  metadata?: Record<string, string>;
}

export class BulkSubmissionDoc {
  @ApiProperty({ type: [InferenceRequestDoc], minItems: 1 })
  requests!: InferenceRequestDoc[];
}

export class RequestLinksDoc {
  @ApiProperty({ example: '/v1/requests/req_01J...' })
  self!: string;

  @ApiProperty({ example: '/v1/requests/req_01J.../events' })
  events!: string;
}

export class RequestReceiptDoc {
  @ApiProperty({ example: 'req_01JD3M8Z4V0000000000000000' })
  id!: string;

  @ApiProperty({ enum: REQUEST_STATUSES })
  status!: string;

  @ApiProperty({ description: 'True when this id was already accepted with the same content: nothing new was created.' })
  duplicate!: boolean;

  @ApiProperty({ type: RequestLinksDoc })
  links!: RequestLinksDoc;
}

export class RefusedItemDoc {
  @ApiProperty()
  id!: string;

  @ApiProperty({ type: FieldErrorDoc, description: 'DUPLICATE_ID_CONFLICT: the id is taken by different content.' })
  error!: FieldErrorDoc;
}

export class BulkReceiptDoc {
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(RequestReceiptDoc) }, { $ref: getSchemaPath(RefusedItemDoc) }] },
    description: 'One entry per submitted request, in order.',
  })
  requests!: Array<RequestReceiptDoc | RefusedItemDoc>;
}

export class DecisionDoc {
  @ApiProperty({ example: 'deadline-slack>batch-estimate' })
  reason!: string;

  @ApiProperty({ type: 'number', nullable: true })
  estimatedCostUsd!: number | null;

  @ApiProperty({ type: 'number', nullable: true })
  realtimeCostUsd!: number | null;
}

export class TimingsDoc {
  @ApiProperty({ format: 'date-time' })
  receivedAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  routedAt!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  completedAt!: string | null;
}

export class CostDoc {
  @ApiProperty()
  usd!: number;

  @ApiProperty({ type: 'number', nullable: true })
  realtimeUsd!: number | null;

  @ApiProperty({ type: 'number', nullable: true })
  savedUsd!: number | null;
}

export class RequestViewDoc {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  tenant!: string;

  @ApiProperty({ enum: REQUEST_STATUSES })
  status!: string;

  @ApiProperty({ enum: PROVIDERS })
  provider!: string;

  @ApiProperty({ enum: OPERATIONS })
  operation!: string;

  @ApiProperty()
  model!: string;

  @ApiProperty({ enum: REQUEST_MODES })
  mode!: string;

  @ApiProperty({ enum: LANES, nullable: true })
  lane!: string | null;

  @ApiProperty({ type: DecisionDoc, nullable: true })
  decision!: DecisionDoc | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  deadline!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  notBefore!: string | null;

  @ApiProperty({ type: 'boolean', nullable: true })
  deadlineMet!: boolean | null;

  @ApiProperty({ type: TimingsDoc })
  timings!: TimingsDoc;

  @ApiProperty({ type: CostDoc, nullable: true })
  cost!: CostDoc | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'Once the request is complete: the delivered result, an InferenceResultV1 exactly as published on sluice.results.v1 ' +
      '(id, tenant, resultId, status, lane, provider, model, response or error, usage, cost, timings, metadata).',
  })
  result!: Record<string, unknown> | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  metadata!: Record<string, string>;

  @ApiProperty({ type: RequestLinksDoc })
  links!: RequestLinksDoc;
}
