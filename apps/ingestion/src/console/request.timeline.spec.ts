import type { RequestDetailRecord } from '@sluice/ledger';
import { requestTimeline } from './request.timeline';

const at = (seconds: number) => new Date(Date.UTC(2030, 2, 1, 0, 0, seconds));

function detail(overrides: Partial<RequestDetailRecord> = {}): RequestDetailRecord {
  return {
    request: {
      tenant: 'acme',
      id: 'r1',
      status: 'succeeded',
      lane: 'batch',
      provider: 'openai',
      operation: 'chat',
      model: 'gpt-4o-mini',
      mode: 'auto',
      receivedAt: at(0),
      completedAt: at(30),
      deadline: at(60),
      deadlineMet: true,
      costUsd: 0.001,
      savedUsd: 0.001,
      metadata: {},
      jobId: null,
      routedAt: at(0),
      decisionReason: 'cheapest lane meeting the deadline',
      notBefore: null,
      errorCode: null,
      estimatedCostUsd: 0.001,
      realtimeCostUsd: 0.002,
    },
    batches: [],
    results: [],
    completion: null,
    ...overrides,
  };
}

describe('requestTimeline', () => {
  it('orders an escalated batch request by time, ties in lifecycle order, and tells the delivered result from the billed one', () => {
    const timeline = requestTimeline(
      detail({
        batches: [
          {
            batchId: 'b1',
            attempt: 1,
            itemStatus: 'escalated',
            itemUpdatedAt: at(20),
            batchStatus: 'completed',
            createdAt: at(5),
            submittedAt: at(5),
            completedAt: at(40),
          },
        ],
        results: [
          {
            resultId: 'x-batch',
            status: 'succeeded',
            lane: 'batch',
            provider: 'openai',
            model: 'gpt-4o-mini',
            costUsd: 0.001,
            errorCode: null,
            completedAt: at(39),
          },
          {
            resultId: 'x-rt',
            status: 'succeeded',
            lane: 'realtime',
            provider: 'openai',
            model: 'gpt-4o-mini',
            costUsd: 0.002,
            errorCode: null,
            completedAt: at(25),
          },
        ],
        completion: { resultId: 'x-rt', lane: 'realtime', status: 'succeeded', completedAt: at(25), bookedAt: at(90), result: null },
      }),
    );

    expect(timeline.map((entry) => entry.type)).toEqual([
      'accepted',
      'routed',
      'batched',
      'submitted',
      'escalated',
      'result',
      'completed',
      'result',
      'batch_ended',
    ]);
    expect(timeline[5].detail).toContain('realtime lane');
    expect(timeline[5].detail).toContain('delivered');
    expect(timeline[7].detail).toContain('billed, not delivered');
    expect(timeline[0].at).toBe('2030-03-01T00:00:00.000Z');
  });

  it('shows a request not routed yet as accepted only', () => {
    const timeline = requestTimeline(detail({ request: { ...detail().request, routedAt: null, lane: null, status: 'accepted' } }));
    expect(timeline.map((entry) => entry.type)).toEqual(['accepted']);
  });
});
