import { ErrorCode, FieldError, InferenceRequestV1, validateRequest, type ValidationOutcome } from '@sluice/contracts';
import { findModelPrice } from '@sluice/providers/pricing/pricing';

/**
 * A request from outside Sluice (Kafka, HTTP, a job's line) as ingestion takes it in: the contract,
 * then a model the pricing catalog has for the request's provider and operation. The router could not
 * price or route any other, so it is refused at the door, where the caller learns which field is wrong,
 * instead of being recorded and failed later.
 */
export function checkRequest(plain: unknown): ValidationOutcome<InferenceRequestV1> {
  const validation = validateRequest(plain);
  if (!validation.ok) return validation;
  const { provider, operation, body } = validation.value;
  if (findModelPrice(provider, body.model)?.operation === operation) return validation;
  const error: FieldError = {
    code: ErrorCode.MODEL_UNKNOWN,
    message: `body.model: ${provider} has no ${operation} model ${body.model} in the pricing catalog, so it can be neither priced nor routed`,
    field: 'body.model',
  };
  return { ok: false, errors: [error] };
}

/** The refusal of a request larger than `maxBytes`, however it came. */
export function oversizeError(bytes: number, maxBytes: number): FieldError {
  return { code: ErrorCode.PAYLOAD_TOO_LARGE, message: `the request is ${bytes} bytes; a request may be at most ${maxBytes}`, field: '' };
}
