import { IsDefined, IsIn, IsString, Matches } from 'class-validator';
import { REQUEST_ID_PATTERN } from '../common/patterns';
import { REQUEST_SOURCES, RequestSource } from '../common/values';
import { InferenceRequestFieldsV1 } from '../request/inference-request.v1';
import { IsInstant, Nested, Optional } from '../validation/message.decorators';

/** A request after ingestion: it always has an id, either the caller's or one generated for it. */
export class AcceptedInferenceRequestV1 extends InferenceRequestFieldsV1 {
  @IsString()
  @Matches(REQUEST_ID_PATTERN, { message: 'id must be 1-64 characters of A-Z, a-z, 0-9, _ or -' })
  id!: string;
}

/**
 * What ingestion publishes on `sluice.accepted.v1` once a request is valid and recorded in the ledger.
 * The request travels unchanged (so the router needs nothing else); what ingestion learned travels beside it.
 */
export class AcceptedRequestV1 {
  @IsDefined()
  @Nested(() => AcceptedInferenceRequestV1)
  request!: AcceptedInferenceRequestV1;

  @IsInstant()
  receivedAt!: string;

  /** The request's own deadline made absolute (from `deadline` or `maxLatencyMs`); absent when it gave none. */
  @Optional()
  @IsInstant()
  deadline?: string;

  @IsIn(REQUEST_SOURCES)
  source!: RequestSource;

  /**
   * The request's cache content hash (SHA-256 hex of its provider, operation and body), worked out at
   * intake from the same canonical body text as its idempotency fingerprint, so the router does not
   * canonicalise the body a second time; the router computes it when absent.
   */
  @Optional()
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'contentHash must be 64 lowercase hex digits' })
  contentHash?: string;
}
