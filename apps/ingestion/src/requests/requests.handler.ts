import {
  canonicalJson,
  CorrelationHeaders,
  FieldError,
  InferenceRequestV1,
  REQUEST_ID_PATTERN,
  validateMessage,
} from '@sluice/contracts';
import { NonRetryableError } from '@sluice/kafka';
import { sha256Hex } from '@sluice/ledger';
import type { IntakeCounters, Trace } from '../accept/accept.ports';
import { Acceptance, AcceptRequestsHandler } from '../accept/accept-requests.handler';
import { MessagePosition, requestIdForMessage } from '../accept/request-id.generator';

export interface ConsumedRequest extends MessagePosition {
  headers: Readonly<Record<string, string>>;
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

/**
 * A request produced to Kafka: valid → accepted; invalid with a usable tenant → a `rejected` event
 * keyed by its id (or one derived from the message when it has none usable); without a usable tenant →
 * a NonRetryableError under the tenant's error code, which the consumer runner dead-letters with that
 * reason in the headers.
 */
export class RequestsHandler {
  constructor(
    private readonly intake: AcceptRequestsHandler,
    private readonly counters: IntakeCounters,
  ) {}

  async handle(plain: Record<string, unknown>, message: ConsumedRequest): Promise<IntakeOutcome> {
    const trace = traceOf(message.headers);
    const validation = validateMessage(InferenceRequestV1, plain);
    if (validation.ok) {
      const [acceptance] = await this.intake.accept([
        { request: validation.value, source: 'kafka', assignedId: requestIdForMessage(message), trace },
      ]);
      return outcomeOf(acceptance);
    }
    // A rejection is reported to the tenant's event stream; without a usable tenant there is none.
    const tenantProblem = validation.errors.find((error) => error.field === 'tenant');
    if (tenantProblem) {
      this.counters.rejected(tenantProblem.code);
      throw new NonRetryableError(tenantProblem.code, tenantProblem.message);
    }
    const [first, ...others] = validation.errors;
    const tenant = plain.tenant as string;
    const requestId = requestIdOf(plain, message);
    await this.intake.reject([
      { tenant, requestId, errors: [first, ...others], attempt: sha256Hex(canonicalJson(plain)).slice(0, 16), trace },
    ]);
    return { kind: 'rejected', tenant, requestId, errors: validation.errors };
  }
}
