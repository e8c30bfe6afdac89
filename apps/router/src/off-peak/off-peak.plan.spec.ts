import type { DueLaneMessage } from '@sluice/ledger';
import { planRelease, releaseAtFor, retryAtAfter } from './off-peak.plan';

const NOW = new Date('2030-01-01T12:00:00.000Z');

function due(requestId: string, overrides: Partial<DueLaneMessage> = {}): DueLaneMessage {
  return {
    tenant: 'acme',
    requestId,
    lane: 'batch',
    releaseAt: NOW,
    message: { request: { id: requestId }, routing: { lane: 'batch' } },
    attempts: 0,
    requestStatus: 'queued',
    ...overrides,
  };
}

describe('releaseAtFor', () => {
  it('holds until notBefore while it is ahead', () => {
    expect(releaseAtFor('2030-01-01T14:00:00+02:00', NOW)).toBeUndefined();
    expect(releaseAtFor('2030-01-01T12:00:00.001Z', NOW)).toEqual(new Date('2030-01-01T12:00:00.001Z'));
    expect(releaseAtFor('2030-01-02T00:00:00+01:00', NOW)).toEqual(new Date('2030-01-01T23:00:00.000Z'));
  });

  it('sends at once without a notBefore, or with one that has come', () => {
    expect(releaseAtFor(undefined, NOW)).toBeUndefined();
    expect(releaseAtFor(NOW.toISOString(), NOW)).toBeUndefined();
    expect(releaseAtFor('2029-12-31T00:00:00Z', NOW)).toBeUndefined();
  });
});

describe('planRelease', () => {
  it('publishes each due message to its lane, keyed by request id, with the headers of its request', () => {
    const plan = planRelease([due('r1', { correlationId: 'corr-1', traceparent: '00-abc-def-01' }), due('r2', { lane: 'realtime', requestStatus: null })]);
    expect(plan.answered).toEqual([]);
    expect(plan.publish.map((p) => p.outbound)).toEqual([
      {
        message: { to: 'batch', key: 'r1', value: { request: { id: 'r1' }, routing: { lane: 'batch' } } },
        correlation: { requestId: 'r1', correlationId: 'corr-1', traceparent: '00-abc-def-01' },
      },
      { message: { to: 'realtime', key: 'r2', value: { request: { id: 'r2' }, routing: { lane: 'batch' } } }, correlation: { requestId: 'r2' } },
    ]);
    expect(plan.publish.map((p) => p.due.requestId)).toEqual(['r1', 'r2']);
  });

  it('sends nothing for a request answered while it waited', () => {
    const plan = planRelease([due('done', { requestStatus: 'succeeded' }), due('gave-up', { requestStatus: 'failed' }), due('waiting')]);
    expect(plan.answered.map((m) => m.requestId)).toEqual(['done', 'gave-up']);
    expect(plan.publish.map((p) => p.due.requestId)).toEqual(['waiting']);
  });
});

describe('retryAtAfter', () => {
  it('waits 5 s, doubling per earlier attempt, at most 5 minutes', () => {
    const waits = [0, 1, 2, 5, 6, 40].map((attempts) => retryAtAfter(attempts, NOW).getTime() - NOW.getTime());
    expect(waits).toEqual([5_000, 10_000, 20_000, 160_000, 300_000, 300_000]);
  });
});
