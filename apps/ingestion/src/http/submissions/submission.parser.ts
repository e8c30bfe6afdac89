import { clipNesting, ErrorCode, FieldError, InferenceRequestV1, REQUEST_ID_PATTERN } from '@sluice/contracts';
import { attemptOf } from '../../accept/intake.messages';
import { checkRequest, oversizeError } from '../../accept/request.check';

export interface SubmissionLimits {
  /** Largest body carrying one request, in bytes. */
  singleBodyBytes: number;
  /** Most requests in one bulk body. */
  bulkMaxRequests: number;
}

export type SubmittedItem =
  | { ok: true; request: InferenceRequestV1 }
  /** `errors` name the request's own fields (`body.model`), as its `rejected` event does. */
  | { ok: false; requestId: string; errors: [FieldError, ...FieldError[]]; attempt: string };

/** The body as one request or many, each validated for the caller's tenant; or why the body as a whole is refused. */
export type ParsedSubmission = { ok: true; bulk: boolean; items: SubmittedItem[] } | { ok: false; status: 400 | 403 | 413; code: ErrorCode; message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refusal(status: 400 | 403 | 413, code: ErrorCode, message: string): ParsedSubmission {
  return { ok: false, status, code, message };
}

/** The id a refused item is named by: its own when usable, else a new one. */
function refusedItemId(item: unknown, newId: () => string): string {
  const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).id : undefined;
  return typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? id : newId();
}

/**
 * One request of a submission, validated for the caller's tenant (which it may leave out; that it
 * names no other is the caller's check). `newId` names an invalid request that brings no usable id.
 */
export function validateSubmittedItem(item: unknown, tenant: string, newId: () => string): SubmittedItem {
  if (!isObject(item)) {
    const error: FieldError = { code: ErrorCode.VALIDATION_FAILED, message: 'a request must be a JSON object', field: '' };
    return { ok: false, requestId: newId(), errors: [error], attempt: attemptOf(item) };
  }
  // The tenant is the API key's; a body may repeat it but not name another (checked by the caller).
  const plain = { ...item, tenant };
  const validation = checkRequest(plain);
  if (validation.ok) return { ok: true, request: validation.value };
  const [first, ...others] = validation.errors;
  return {
    ok: false,
    requestId: refusedItemId(item, newId),
    errors: [first, ...others],
    attempt: attemptOf(plain),
  };
}

/**
 * One request of a bulk body: refused whole when it is larger than a request may be alone, so the bulk
 * path is no way around the single-request limit. Only measured when the body as a whole is larger
 * than that, as only then can one of its requests be; measured as written again (cut to the nesting
 * limit, which a deeper request is refused for anyway), since the parser keeps no item's own bytes.
 */
function validateBulkItem(item: unknown, tenant: string, limits: SubmissionLimits, bodyBytes: number, newId: () => string): SubmittedItem {
  if (bodyBytes > limits.singleBodyBytes) {
    const bytes = Buffer.byteLength(JSON.stringify(clipNesting(item)) ?? '');
    if (bytes > limits.singleBodyBytes) {
      return { ok: false, requestId: refusedItemId(item, newId), errors: [oversizeError(bytes, limits.singleBodyBytes)], attempt: attemptOf(item) };
    }
  }
  return validateSubmittedItem(item, tenant, newId);
}

/**
 * Reads a POST /v1/requests body: one request object, or `{ "requests": [...] }` for many. Requests
 * act for the API key's tenant: `tenant` may be left out (it is filled in) but never name another
 * (403, for the whole body). Items are validated one by one; `newId` names the invalid ones that
 * bring no usable id, so their `rejected` events have a key.
 */
export function parseSubmission(json: unknown, bytes: number, tenant: string, limits: SubmissionLimits, newId: () => string): ParsedSubmission {
  if (!isObject(json)) {
    return refusal(400, ErrorCode.VALIDATION_FAILED, 'the body must be a request object, or { "requests": [ ... ] } for several');
  }
  const bulk = Object.hasOwn(json, 'requests');
  let items: unknown[];
  if (bulk) {
    const extra = Object.keys(json).filter((key) => key !== 'requests');
    if (extra.length > 0) return refusal(400, ErrorCode.UNKNOWN_FIELD, `a bulk body has only "requests"; unexpected: ${extra.join(', ')}`);
    if (!Array.isArray(json.requests) || json.requests.length === 0) {
      return refusal(400, ErrorCode.INVALID_FIELD, 'requests must be a non-empty array of request objects');
    }
    if (json.requests.length > limits.bulkMaxRequests) {
      return refusal(413, ErrorCode.PAYLOAD_TOO_LARGE, `a bulk body carries at most ${limits.bulkMaxRequests} requests, not ${json.requests.length}`);
    }
    items = json.requests;
  } else {
    if (bytes > limits.singleBodyBytes) {
      return refusal(413, ErrorCode.PAYLOAD_TOO_LARGE, `a single request may be at most ${limits.singleBodyBytes} bytes, not ${bytes}`);
    }
    items = [json];
  }
  const foreign = items.find((item) => isObject(item) && item.tenant !== undefined && item.tenant !== tenant);
  if (foreign !== undefined) return refusal(403, ErrorCode.FORBIDDEN, "a request names a tenant other than the API key's");
  return {
    ok: true,
    bulk,
    items: bulk ? items.map((item) => validateBulkItem(item, tenant, limits, bytes, newId)) : items.map((item) => validateSubmittedItem(item, tenant, newId)),
  };
}
