import { ErrorCode, FieldError } from '@sluice/contracts';
import type { IntakeCounters, Trace } from '../../accept/accept.ports';
import { Acceptance, AcceptRequestsHandler, InvalidSubmission } from '../../accept/accept-requests.handler';
import { attemptOf } from '../../accept/intake.messages';
import { refuseMissingReplyTopics, ReplyTopics } from '../../accept/reply-topics.cache';
import type { TenantAdmission } from '../../tenants/tenant.admission';
import type { ReceivedBody } from '../body/request-body.parser';
import { ApiErrorBody, apiErrorBody, ApiErrorDetails } from '../errors/api.error';
import { requestLinks, RequestLinks } from '../status/request.links';
import { parseSubmission, SubmissionLimits, SubmittedItem } from './submission.parser';

export interface RequestReceipt {
  id: string;
  /** The request's status in the ledger: `accepted` when new, possibly further along for a duplicate. */
  status: string;
  /** True when this id was already accepted with the same content: nothing new was created. */
  duplicate: boolean;
  links: RequestLinks;
}

export interface RefusedItem {
  id: string;
  error: FieldError;
}

export type SubmissionReply =
  | { status: 200 | 202; body: RequestReceipt }
  | { status: 202; body: { requests: Array<RequestReceipt | RefusedItem> } }
  | { status: 400 | 403 | 409 | 413 | 415; body: ApiErrorBody };

function failure(status: 400 | 403 | 409 | 413 | 415, code: ErrorCode, message: string, details: ApiErrorDetails = {}): SubmissionReply {
  return { status, body: apiErrorBody(code, message, details) };
}

function prefixed(prefix: string, error: FieldError): FieldError {
  return { ...error, field: error.field === '' ? prefix : `${prefix}.${error.field}`, message: `${prefix}: ${error.message}` };
}

function receiptOf(acceptance: Extract<Acceptance, { kind: 'accepted' }>): RequestReceipt {
  const { record, duplicate } = acceptance;
  return { id: record.id, status: record.status, duplicate, links: requestLinks(record.id) };
}

/**
 * POST /v1/requests as a use case: the body is parsed and validated for the API key's tenant; an
 * invalid request refuses the whole body (400, each invalid request also gets its `rejected` event),
 * so a client fixes and resends one body instead of reconciling a partial success; otherwise every
 * request is accepted, idempotently by id.
 */
export class SubmitRequestsHandler {
  constructor(
    private readonly intake: AcceptRequestsHandler,
    private readonly counters: IntakeCounters,
    private readonly limits: SubmissionLimits,
    private readonly newId: () => string,
    private readonly tenants: TenantAdmission,
    private readonly replyTopics: ReplyTopics,
  ) {}

  async submit(received: ReceivedBody, tenant: string, trace: Trace): Promise<SubmissionReply> {
    if (!received.ok) {
      this.counters.rejected(received.code);
      return failure(received.status, received.code, received.message);
    }
    const parsed = parseSubmission(received.json, received.bytes, tenant, this.limits, this.newId);
    if (!parsed.ok) {
      this.counters.rejected(parsed.code);
      return failure(parsed.status, parsed.code, parsed.message);
    }
    const items = await refuseMissingReplyTopics(
      this.replyTopics,
      parsed.items.map((item) => this.admitted(item, tenant)),
      (item) => (item.ok ? item.request.replyTo : undefined),
      (item, error) => (item.ok ? this.refused(item, error) : item),
    );
    const invalid = items.flatMap((item, index) => (item.ok ? [] : [{ item, index }]));
    if (invalid.length > 0) {
      await this.intake.reject(invalid.map(({ item }) => rejectionOf(item, tenant, trace)));
      const errors = invalid.flatMap(({ item, index }) => (parsed.bulk ? item.errors.map((error) => prefixed(`requests.${index}`, error)) : item.errors));
      const message = parsed.bulk ? `${invalid.length} of ${items.length} requests are invalid; none was accepted` : 'the request is invalid';
      return failure(400, ErrorCode.VALIDATION_FAILED, message, { errors });
    }
    const acceptances = await this.intake.accept(items.flatMap((item) => (item.ok ? [{ request: item.request, source: 'http' as const, trace }] : [])));
    if (parsed.bulk) {
      return {
        status: 202,
        body: {
          requests: acceptances.map((acceptance) =>
            acceptance.kind === 'accepted' ? receiptOf(acceptance) : { id: acceptance.requestId, error: acceptance.error },
          ),
        },
      };
    }
    const [acceptance] = acceptances;
    if (acceptance.kind === 'conflict') {
      return failure(409, ErrorCode.DUPLICATE_ID_CONFLICT, acceptance.error.message, { field: 'id' });
    }
    return { status: acceptance.duplicate ? 200 : 202, body: receiptOf(acceptance) };
  }

  /** A valid request as its tenant's policy takes it (its `replyTo` prefixes; the API key already named an enabled tenant). */
  private admitted(item: SubmittedItem, tenant: string): SubmittedItem {
    if (!item.ok) return item;
    const [first, ...others] = this.tenants.errors({ tenant, replyTo: item.request.replyTo });
    return first === undefined ? item : this.refused(item, first, ...others);
  }

  private refused(item: Extract<SubmittedItem, { ok: true }>, first: FieldError, ...others: FieldError[]): SubmittedItem {
    return { ok: false, requestId: item.request.id ?? this.newId(), errors: [first, ...others], attempt: attemptOf(item.request) };
  }
}

/** The ids a reply names (none for a refused body). */
export function requestIdsOf(reply: SubmissionReply): string[] {
  if ('requests' in reply.body) return reply.body.requests.map((item) => item.id);
  return 'id' in reply.body ? [reply.body.id] : [];
}

function rejectionOf(item: Extract<SubmittedItem, { ok: false }>, tenant: string, trace: Trace): InvalidSubmission {
  return { tenant, requestId: item.requestId, errors: item.errors, attempt: item.attempt, trace };
}
