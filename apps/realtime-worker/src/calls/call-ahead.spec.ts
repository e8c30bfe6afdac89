import { LaneRequestV1, validateMessage } from '@sluice/contracts';
import { sampleLaneRequest } from '@sluice/contracts/testing/message.samples';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '@sluice/providers';
import { callAhead, callIdFor, longestCallMs } from './call-ahead';

function laneRequest(routing: Record<string, unknown> = {}, deadline: string | undefined = '2030-01-01T12:00:00.000Z'): LaneRequestV1 {
  const plain = sampleLaneRequest();
  const outcome = validateMessage(LaneRequestV1, {
    ...plain,
    request: { ...(plain.request as object), deadline, notBefore: undefined },
    deadline,
    routing: { ...(plain.routing as object), lane: 'realtime', estimatedCostUsd: 0.0002, realtimeCostUsd: 0.0003, deadline, ...routing },
  });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

const NOW = Date.parse('2030-01-01T11:59:00.000Z');

describe('callAhead', () => {
  it("names the answer the call would be and the lane's estimate, and ends at the deadline", () => {
    expect(callAhead(laneRequest(), 'realtime', 'c1', NOW, 3_600_000)).toEqual({
      callId: 'c1',
      resultId: 'acme.req-1.realtime.1',
      lane: 'realtime',
      provider: 'openai',
      model: 'gpt-4o-mini',
      estimatedCostUsd: 0.0002,
      expiresAt: new Date('2030-01-01T12:00:00.000Z'),
    });
  });

  it('ends when the longest call would, when that comes before the deadline or there is none', () => {
    expect(callAhead(laneRequest(), 'realtime', 'c1', NOW, 1_000).expiresAt).toEqual(new Date(NOW + 1_000));
    expect(callAhead(laneRequest({}, undefined), 'async', 'c1', NOW, 5_000).expiresAt).toEqual(new Date(NOW + 5_000));
  });

  it('estimates at the realtime price a message in another lane than routed (an escalated batch request)', () => {
    expect(callAhead(laneRequest({ lane: 'batch' }), 'realtime', 'c1', NOW, 1_000).estimatedCostUsd).toBe(0.0003);
  });
});

describe('longestCallMs', () => {
  it('counts every attempt on both targets at the client timeout and the longest backoff', () => {
    expect(longestCallMs({ maxAttempts: 3, maxDelayMs: 10_000 })).toBe(6 * (DEFAULT_PROVIDER_TIMEOUT_MS + 10_000));
  });
});

describe('callIdFor', () => {
  const place = { topic: 'sluice.lane.realtime.v1', partition: 3, offset: '41' };

  it('gives the same message read again by the same process the same id, a UUID', () => {
    expect(callIdFor('process-a', place)).toBe(callIdFor('process-a', { ...place }));
    expect(callIdFor('process-a', place)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives another process, or another message, another id', () => {
    const ids = [
      callIdFor('process-a', place),
      callIdFor('process-b', place),
      callIdFor('process-a', { ...place, offset: '42' }),
      callIdFor('process-a', { ...place, partition: 4 }),
      callIdFor('process-a', { ...place, topic: 'sluice.lane.async.v1' }),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
