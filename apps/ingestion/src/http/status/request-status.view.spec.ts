import type { InferenceResultV1 } from '@sluice/contracts';
import { sampleFailedResult } from '@sluice/contracts/testing/message.samples';
import { recordOf } from '../../../test/intake.fakes';
import { requestView } from './request-status.view';

const recorded = recordOf({
  tenant: 'acme',
  id: 'r-1',
  bodyHash: 'h',
  provider: 'openai',
  operation: 'chat',
  model: 'gpt-4o-mini',
  mode: 'auto',
  receivedAt: '2030-01-01T00:00:00.000Z',
  deadline: '2030-01-01T01:00:00.000Z',
});

describe('requestView', () => {
  it('shows an accepted request without a decision, cost or result', () => {
    expect(requestView(recorded)).toMatchObject({
      id: 'r-1',
      status: 'accepted',
      lane: null,
      decision: null,
      deadline: '2030-01-01T01:00:00.000Z',
      timings: { receivedAt: '2030-01-01T00:00:00.000Z', routedAt: null, completedAt: null },
      cost: null,
      result: null,
      links: { self: '/v1/requests/r-1', events: '/v1/requests/r-1/events' },
    });
  });

  it('shows the decision of a routed request, and its result once one was delivered', () => {
    const routed = {
      ...recorded,
      status: 'routed' as const,
      lane: 'batch' as const,
      decisionReason: 'deadline-slack>batch-estimate',
      estimatedCostUsd: 0.5,
      realtimeCostUsd: 1,
      routedAt: new Date('2030-01-01T00:00:01Z'),
    };
    expect(requestView(routed)).toMatchObject({ decision: { reason: 'deadline-slack>batch-estimate', estimatedCostUsd: 0.5 }, result: null });

    const failed = {
      ...routed,
      status: 'failed' as const,
      resultId: 'acme.r-1.batch.1',
      errorCode: 'BATCH_EXPIRED',
      costUsd: 0,
      savedUsd: 1,
      completedAt: new Date('2030-01-01T00:30:00Z'),
      deadlineMet: true,
    };
    const delivered = sampleFailedResult({ id: 'r-1', lane: 'batch', resultId: 'acme.r-1.batch.1' }) as unknown as InferenceResultV1;
    expect(requestView(failed, delivered)).toMatchObject({
      cost: { usd: 0, realtimeUsd: 1, savedUsd: 1 },
      deadlineMet: true,
      timings: { completedAt: '2030-01-01T00:30:00.000Z' },
    });
    expect(requestView(failed, delivered).result).toBe(delivered);
    // A result offered for a request the ledger does not have complete is not shown.
    expect(requestView(routed, delivered).result).toBeNull();
  });
});
