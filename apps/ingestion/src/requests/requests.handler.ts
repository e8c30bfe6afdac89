import { CorrelationHeaders, FieldError, REQUEST_ID_PATTERN } from '@sluice/contracts';
import { NonRetryableError } from '@sluice/kafka';
import type { IntakeCounters, Trace } from '../accept/accept.ports';
import { Acceptance, AcceptRequestsHandler, InvalidSubmission, Submission } from '../accept/accept-requests.handler';
import { attemptOf } from '../accept/intake.messages';
import { MessagePosition, requestIdForMessage } from '../accept/request-id.generator';
import { refuseMissingReplyTopics, ReplyTopics } from '../accept/reply-topics.cache';
import { checkRequest, oversizeError } from '../accept/request.check';
import type { TenantAdmission } from '../tenants/tenant.admission';

export interface ConsumedRequest extends MessagePosition {
  headers: Readonly<Record<string, string>>;
  /** The size of the message's value, when the transport knows it. */
  bytes?: number;
}

/** What became of one message: the consumer logs it. */
export type IntakeOutcome =
  | { kind: 'accepted'; tenant: string; requestId: string; duplicate: boolean }
  | { kind: 'conflict'; tenant: string; requestId: string }
  | { kind: 'rejected'; tenant: string; requestId: string; errors: readonly FieldError[] };

/** The request's own id when it is a valid one, else the one derived from the message's position. */
export function requestIdOf(plain: Record<string, unknown>, position: MessagePosition): string {
  return typeof plain.id === 'string' && REQUEST_ID_PATTERN.test(plain.id) ? plain.id : requestIdForMessage(position);
}

function traceOf(headers: Readonly<Record<string, string>>): Trace {
  return { correlationId: headers[CorrelationHeaders.CorrelationId], traceparent: headers[CorrelationHeaders.TraceParent] };
}

function outcomeOf(acceptance: Acceptance): IntakeOutcome {
  return acceptance.kind === 'accepted'
    ? { kind: 'accepted', tenant: acceptance.record.tenant, requestId: acceptance.record.id, duplicate: acceptance.duplicate }
    : { kind: 'conflict', tenant: acceptance.tenant, requestId: acceptance.requestId };
}

/** One consumed message: its decoded JSON object and where it was read. */
export interface ConsumedItem {
  plain: Record<string, unknown>;
  message: ConsumedRequest;
}

/** What became of one message: its outcome, or the error the consumer runner retries or dead-letters it for. */
export type ItemResult = { ok: true; outcome: IntakeOutcome } | { ok: false; error: unknown };

export interface IntakeLimits {
  /**
   * The largest request value taken in, as over HTTP: the broker's own limit (message.max.bytes) may be
   * raised for other topics, and a larger request could not be passed on to the router's.
   */
  maxBytes: number;
}

export interface IntakeOptions {
  /** Read from sluice.requests.bulk.v1: the sender chose the bulk path for all of it. */
  bulk: boolean;
}

type Accepting = { ok: true; acceptance: Acceptance } | { ok: false; error: unknown };

/** A message with a usable tenant, as decided so far. */
type Decided = { index: number; valid: Submission } | { index: number; invalid: InvalidSubmission };

/**
 * Requests produced to Kafka, a fetched batch at a time (checked by checkRequest, against the size
 * limit, against their tenant's policy and the cluster's topics, both held in memory): valid → accepted (one multi-row ledger
 * insert and one producer call for the batch); invalid with a usable tenant → a `rejected` event
 * keyed by its id (or one derived from the message when it has none usable); without a usable tenant
 * → a NonRetryableError under the tenant's error code, which the consumer runner dead-letters with
 * that reason in the headers. One result per message, in order: a message that fails fails alone.
 */
export class RequestsHandler {
  constructor(
    private readonly intake: AcceptRequestsHandler,
    private readonly counters: IntakeCounters,
    private readonly limits: IntakeLimits,
    private readonly tenants: TenantAdmission,
    private readonly replyTopics: ReplyTopics,
  ) {}

  async handle(items: readonly ConsumedItem[], options: IntakeOptions): Promise<ItemResult[]> {
    const results = new Array<ItemResult>(items.length);
    const decided: Decided[] = [];
    items.forEach(({ plain, message }, index) => {
      const trace = traceOf(message.headers);
      const checked = checkRequest(plain);
      // Whoever may write this topic speaks for the tenant only if the tenant is bound to it: first, so
      // such a request is refused for that whatever else is wrong with it.
      const refused =
        typeof plain.tenant === 'string' && (checked.ok || !checked.errors.some((error) => error.field === 'tenant'))
          ? this.tenants.errors({ tenant: plain.tenant, sourceTopic: message.topic, replyTo: typeof plain.replyTo === 'string' ? plain.replyTo : undefined })
          : [];
      // Still checked whole: its tenant decides where the refusal of its size is reported.
      const oversize = message.bytes !== undefined && message.bytes > this.limits.maxBytes ? [oversizeError(message.bytes, this.limits.maxBytes)] : [];
      const validation =
        refused.length > 0 || oversize.length > 0 ? { ok: false as const, errors: [...refused, ...oversize, ...(checked.ok ? [] : checked.errors)] } : checked;
      if (validation.ok) {
        decided.push({ index, valid: { request: validation.value, source: 'kafka', assignedId: requestIdForMessage(message), bulk: options.bulk, trace } });
        return;
      }
      // A rejection is reported to the tenant's event stream; without a usable tenant there is none.
      // (A policy's refusal names the tenant too, but the tenant is usable: that refusal is reported to it.)
      const tenantProblem = checked.ok ? undefined : checked.errors.find((error) => error.field === 'tenant');
      if (tenantProblem) {
        this.counters.rejected(tenantProblem.code);
        results[index] = { ok: false, error: new NonRetryableError(tenantProblem.code, tenantProblem.message) };
        return;
      }
      const [first, ...others] = validation.errors;
      decided.push({
        index,
        invalid: { tenant: plain.tenant as string, requestId: requestIdOf(plain, message), errors: [first, ...others], attempt: attemptOf(plain), trace },
      });
    });
    const admitted = await refuseMissingReplyTopics(
      this.replyTopics,
      decided,
      (entry) => ('valid' in entry ? entry.valid.request.replyTo : undefined),
      (entry, error): Decided => {
        const { plain, message } = items[entry.index];
        return {
          index: entry.index,
          invalid: {
            tenant: plain.tenant as string,
            requestId: requestIdOf(plain, message),
            errors: [error],
            attempt: attemptOf(plain),
            trace: traceOf(message.headers),
          },
        };
      },
    );
    const valid = admitted.flatMap((entry) => ('valid' in entry ? [{ index: entry.index, submission: entry.valid }] : []));
    const invalid = admitted.flatMap((entry) => ('invalid' in entry ? [{ index: entry.index, submission: entry.invalid }] : []));
    // Both publish through the one producer, which sends what is queued together in one request.
    const [accepting, rejecting] = await Promise.all([
      this.acceptEachAlone(valid.map((entry) => entry.submission)),
      this.intake.reject(invalid.map((entry) => entry.submission)).then(
        () => undefined,
        (error: unknown) => ({ error }),
      ),
    ]);
    valid.forEach(({ index }, position) => {
      const accepted = accepting[position];
      results[index] = accepted.ok ? { ok: true, outcome: outcomeOf(accepted.acceptance) } : accepted;
    });
    for (const { index, submission } of invalid) {
      results[index] = rejecting
        ? { ok: false, error: rejecting.error }
        : { ok: true, outcome: { kind: 'rejected', tenant: submission.tenant, requestId: submission.requestId, errors: submission.errors } };
    }
    return results;
  }

  /**
   * All in one call; when that fails, each alone (concurrently: the ledger's pool and the producer
   * still batch them), so one request the ledger or the broker cannot take (a poison message) fails
   * by itself instead of taking its batch to the dead-letter topic. When the ledger or the broker is
   * down, every call fails fast and the runner backs off before it tries again.
   */
  private async acceptEachAlone(submissions: readonly Submission[]): Promise<Accepting[]> {
    if (submissions.length === 0) return [];
    try {
      return (await this.intake.accept(submissions)).map((acceptance) => ({ ok: true, acceptance }));
    } catch (error) {
      if (submissions.length === 1) return [{ ok: false, error }];
      return Promise.all(
        submissions.map((submission) =>
          this.intake.accept([submission]).then(
            ([acceptance]): Accepting => ({ ok: true, acceptance }),
            (failure: unknown): Accepting => ({ ok: false, error: failure }),
          ),
        ),
      );
    }
  }
}
