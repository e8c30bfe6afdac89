import { ErrorCode } from '../errors/error-code.enum';
import { sampleAccepted, sampleLaneRequest, sampleRequest } from '../testing/message.samples';
import { validateMessage } from '../validation/validate-message';
import { AcceptedRequestV1 } from './accepted-request.v1';
import { LaneRequestV1 } from './lane-request.v1';

describe('AcceptedRequestV1', () => {
  it('accepts a recorded request', () => {
    const outcome = validateMessage(AcceptedRequestV1, sampleAccepted());
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.value.request.mode).toBe('auto');
  });

  it('requires the request id once accepted', () => {
    const { id: _id, ...withoutId } = sampleRequest();
    expect(validateMessage(AcceptedRequestV1, sampleAccepted({ request: withoutId }))).toEqual({
      ok: false,
      errors: [{ code: ErrorCode.MISSING_FIELD, message: 'request.id is required', field: 'request.id' }],
    });
  });

  it('reports request problems under request.', () => {
    const outcome = validateMessage(AcceptedRequestV1, sampleAccepted({ request: sampleRequest({ body: {}, webhook: { url: 'http://x.example' } }) }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.errors.map((e) => e.field).sort()).toEqual(['request.body.model', 'request.webhook.url']);
  });

  it('requires the request itself', () => {
    expect(validateMessage(AcceptedRequestV1, sampleAccepted({ request: undefined }))).toEqual({
      ok: false,
      errors: [{ code: ErrorCode.MISSING_FIELD, message: 'request is required', field: 'request' }],
    });
  });
});

describe('LaneRequestV1', () => {
  it('accepts a routed request and defaults the attempt', () => {
    const plain = sampleLaneRequest();
    const { attempt: _attempt, ...routing } = plain.routing as Record<string, unknown>;
    const outcome = validateMessage(LaneRequestV1, { ...plain, routing });
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.value.routing.attempt).toBe(1);
  });

  it('requires the routing decision and validates it', () => {
    expect(validateMessage(LaneRequestV1, sampleAccepted())).toEqual({
      ok: false,
      errors: [{ code: ErrorCode.MISSING_FIELD, message: 'routing is required', field: 'routing' }],
    });
    const outcome = validateMessage(
      LaneRequestV1,
      sampleLaneRequest({ routing: { lane: 'slow', reason: '', estimatedCostUsd: -1, realtimeCostUsd: 0, routedAt: 'now' } }),
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.errors.map((e) => e.field).sort()).toEqual(['routing.estimatedCostUsd', 'routing.lane', 'routing.reason', 'routing.routedAt']);
    }
  });
});
