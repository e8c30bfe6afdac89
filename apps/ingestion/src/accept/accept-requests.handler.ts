import { AcceptedRequestV1, ErrorCode, FieldError, InferenceRequestV1, RequestSource, resolveDeadline } from '@sluice/contracts';
import { JobLine, RequestRecord, requestHashes, requestRecordFromAccepted } from '@sluice/ledger';
import type { IntakePath, RoutingPolicy } from '@sluice/routing';
import type { IntakeCounters, IntakePublisher, OutboundMessage, RequestLedger, Trace } from './accept.ports';
import { acceptedPath } from './accepted.path';
import { acceptedMessages, Rejection, rejectedMessage } from './intake.messages';

/** A valid request on its way in. */
export interface Submission {
  request: InferenceRequestV1;
  source: RequestSource;
  /** The id for a request that came without one; a fresh one is generated when this is absent too. */
  assignedId?: string;
  /** The bulk job and line it came from, recorded with the request. */
  job?: JobLine;
  /**
   * The sender chose the bulk path (sluice.requests.bulk.v1, a bulk job): the request goes to
   * sluice.accepted.v1 whatever its deadline, so it never competes with urgent work.
   */
  bulk?: boolean;
  trace: Trace;
}

/** A request that failed validation; its tenant is known (requests without one never get this far). */
export interface InvalidSubmission {
  tenant: string;
  requestId: string;
  errors: readonly [FieldError, ...FieldError[]];
  /** A hash of what was sent, telling this refusal apart from other refusals under the same id. */
  attempt: string;
  trace: Trace;
}

/**
 * `accepted`: the request is in the ledger and on its way (`duplicate` when it was already, under the
 * same id and with the same content). `conflict`: the id is taken by different content.
 */
export type Acceptance =
  { kind: 'accepted'; record: RequestRecord; duplicate: boolean } | { kind: 'conflict'; tenant: string; requestId: string; error: FieldError };

export interface AcceptPorts {
  ledger: RequestLedger;
  publisher: IntakePublisher;
  counters: IntakeCounters;
  clock: () => Date;
  newId: (now: Date) => string;
  /** Read once at boot, as the router reads it: which requests take the urgent path. */
  policy: RoutingPolicy;
}

/**
 * The one way a request enters Sluice, for Kafka, HTTP and bulk jobs alike: record it in the ledger
 * once per (tenant, id), then publish it to the router with its `accepted` event: on
 * sluice.accepted.urgent.v1 when its deadline needs the realtime lane (intakePath), else on
 * sluice.accepted.v1. One call records
 * its requests in multi-row inserts and publishes everything it decided in one producer call, so a
 * bulk submission costs a few round trips, not one per request.
 */
export class AcceptRequestsHandler {
  constructor(private readonly ports: AcceptPorts) {}

  async accept(submissions: readonly Submission[]): Promise<Acceptance[]> {
    const now = this.ports.clock();
    const messages: OutboundMessage[] = [];
    const created = new Map<RequestSource, number>();
    let conflicts = 0;
    const hashed = submissions.map((submission) => this.acceptedFrom(submission, now));
    const acceptedRequests = hashed.map(({ accepted }) => accepted);
    const records = hashed.map(({ accepted, fingerprint }, index) => {
      const { job } = submissions[index];
      return { ...requestRecordFromAccepted(accepted, fingerprint), ...(job && { job }) };
    });
    const inserted = records.length === 0 ? [] : await this.ports.ledger.insertMany(records);
    const acceptances = inserted.map(({ outcome, request: existing }, index): Acceptance => {
      const submission = submissions[index];
      const accepted = acceptedRequests[index];
      const record = records[index];
      if (outcome === 'conflict') {
        const error: FieldError = {
          code: ErrorCode.DUPLICATE_ID_CONFLICT,
          message: `request id ${existing.id} is already taken by a different request`,
          field: 'id',
        };
        const rejection: Rejection = { tenant: existing.tenant, requestId: existing.id, errors: [error], attempt: record.bodyHash.slice(0, 16), at: now };
        messages.push(rejectedMessage(rejection, submission.trace));
        conflicts += 1;
        return { kind: 'conflict', tenant: existing.tenant, requestId: existing.id, error };
      }
      if (outcome === 'created') {
        messages.push(...acceptedMessages(accepted, this.pathOf(submission, accepted, now), submission.trace));
        created.set(submission.source, (created.get(submission.source) ?? 0) + 1);
      } else if (existing.status === 'accepted') {
        // Recorded but not routed yet: the first publication may have been lost to a crash between the
        // ledger write and the send. Publishing the original again is harmless (same ids; the router
        // sees a duplicate), leaving it out could strand the request.
        const original = republication(accepted, existing);
        messages.push(...acceptedMessages(original, this.pathOf(submission, original, now), submission.trace));
      }
      return { kind: 'accepted', record: existing, duplicate: outcome === 'duplicate' };
    });
    if (messages.length > 0) await this.ports.publisher.publish(messages);
    for (const [source, count] of created) this.ports.counters.accepted(source, count);
    if (conflicts > 0) this.ports.counters.rejected(ErrorCode.DUPLICATE_ID_CONFLICT, conflicts);
    return acceptances;
  }

  /** Publishes a `rejected` event for each invalid request, naming the offending field. */
  async reject(invalid: readonly InvalidSubmission[]): Promise<void> {
    if (invalid.length === 0) return;
    const at = this.ports.clock();
    await this.ports.publisher.publish(
      invalid.map((submission) =>
        rejectedMessage(
          { tenant: submission.tenant, requestId: submission.requestId, errors: submission.errors, attempt: submission.attempt, at },
          submission.trace,
        ),
      ),
    );
    for (const submission of invalid) this.ports.counters.rejected(submission.errors[0].code);
  }

  private pathOf(submission: Submission, accepted: AcceptedRequestV1, now: Date): IntakePath {
    return submission.bulk ? 'bulk' : acceptedPath(accepted, this.ports.policy, now);
  }

  private acceptedFrom(submission: Submission, now: Date): { accepted: AcceptedRequestV1; fingerprint: string } {
    const { request } = submission;
    const id = request.id ?? submission.assignedId ?? this.ports.newId(now);
    const { fingerprint, contentHash } = requestHashes(request);
    return {
      accepted: {
        request: { ...request, id },
        receivedAt: now.toISOString(),
        deadline: resolveDeadline(request, now),
        source: submission.source,
        contentHash,
      },
      fingerprint,
    };
  }
}

/** The message first published for a recorded request: its receipt time and resolved deadline are the ledger's. */
function republication(accepted: AcceptedRequestV1, recorded: RequestRecord): AcceptedRequestV1 {
  return {
    ...accepted,
    receivedAt: recorded.receivedAt.toISOString(),
    deadline: recorded.deadline?.toISOString(),
  };
}
