import { AcceptedRequestV1, canonicalJson, clipNesting, FieldError, LifecycleEventV1, lifecycleEventId, Topics, messageKey } from '@sluice/contracts';
import { sha256Hex } from '@sluice/ledger';
import type { IntakePath } from '@sluice/routing';
import type { OutboundMessage, Trace } from './accept.ports';

// The event contract's bounds: a rejection must never fail its own validation downstream.
const MAX_ERROR_MESSAGE = 4096;
const MAX_FIELD = 256;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The accepted request for the router on its path's topic, and its `accepted` event: published together, in one call. */
export function acceptedMessages(accepted: AcceptedRequestV1, path: IntakePath, trace: Trace): OutboundMessage[] {
  const { request } = accepted;
  const event: LifecycleEventV1 = {
    eventId: lifecycleEventId(request.tenant, request.id, 'accepted'),
    type: 'accepted',
    requestId: request.id,
    tenant: request.tenant,
    // The receipt time, not the publishing time: a re-publication after a crash is the same event.
    at: accepted.receivedAt,
    provider: request.provider,
    operation: request.operation,
    model: request.body.model,
    deadline: accepted.deadline,
    metadata: request.metadata,
  };
  const key = messageKey(request.id);
  return [
    { topic: path === 'urgent' ? Topics.AcceptedUrgent : Topics.Accepted, key, value: accepted, trace },
    { topic: Topics.Events, key, value: event, trace },
  ];
}

export interface Rejection {
  tenant: string;
  requestId: string;
  /** Every problem found; the event carries the first, and names the fields of the others. */
  errors: readonly [FieldError, ...FieldError[]];
  /**
   * Tells apart different refused attempts under one request id (their content hash), so a refusal
   * repeated after a crash keeps its event id while a new refusal gets a new one.
   */
  attempt: string;
  at: Date;
}

/**
 * The `attempt` of a refused payload: its content hash, cut to the nesting limit first, since
 * canonicalJson walks what it hashes and a payload may be refused for nesting too deep to walk.
 */
export function attemptOf(payload: unknown): string {
  return sha256Hex(canonicalJson(clipNesting(payload))).slice(0, 16);
}

/** A `rejected` event on sluice.events.v1, keyed by the request id. */
export function rejectedMessage(rejection: Rejection, trace: Trace): OutboundMessage {
  const [first, ...others] = rejection.errors;
  const more = others.length === 0 ? '' : ` (and ${others.length} more: ${others.map((error) => error.field || '(message)').join(', ')})`;
  const event: LifecycleEventV1 = {
    eventId: lifecycleEventId(rejection.tenant, rejection.requestId, 'rejected', rejection.attempt),
    type: 'rejected',
    requestId: rejection.requestId,
    tenant: rejection.tenant,
    at: rejection.at.toISOString(),
    error: {
      code: first.code,
      message: clip(`${first.message}${more}`, MAX_ERROR_MESSAGE),
      field: first.field === '' ? undefined : clip(first.field, MAX_FIELD),
    },
  };
  return { topic: Topics.Events, key: messageKey(rejection.requestId), value: event, trace };
}
