import { LaneTopics } from '@sluice/contracts';
import { TraceRow } from '../workload/trace.rows';
import { CHAT_DEADLINE_MS, EMBEDDING_DEADLINE_MS, indexOf, kindOf, laneStamps, plannedRequest } from './throughput.plan';

const ROWS: TraceRow[] = [
  { source: 'conv', index: 0, atMs: 0, contextTokens: 1_000, generatedTokens: 200 },
  { source: 'code', index: 0, atMs: 5, contextTokens: 2_000, generatedTokens: 20 },
];

describe('throughput plan', () => {
  it('spreads the chat share evenly over the indexes', () => {
    const kinds = Array.from({ length: 10 }, (_, index) => kindOf(index, 0.3).operation);
    expect(kinds.filter((kind) => kind === 'chat')).toHaveLength(3);
    expect(kinds.slice(0, 4)).toEqual(['embedding', 'embedding', 'embedding', 'chat']);
    expect(kindOf(0, 1)).toMatchObject({ operation: 'chat', laneTopic: LaneTopics.async, deadlineMs: CHAT_DEADLINE_MS });
    expect(kindOf(0, 0)).toMatchObject({ operation: 'embedding', laneTopic: LaneTopics.batch, deadlineMs: EMBEDDING_DEADLINE_MS });
  });

  it('keys each request by run and index, and reads the index back from the key alone', () => {
    const { key, value } = plannedRequest('tpx', 'acme', 3, ROWS, 0.5, Date.parse('2026-01-01T00:00:00Z'));
    expect(key).toBe('tpx-3');
    const request = JSON.parse(value) as { id: string; operation: string; deadline: string; body: { messages: Array<{ content: string }> } };
    expect(request).toMatchObject({ id: 'tpx-3', tenant: 'acme', operation: 'chat', mode: 'auto', deadline: '2026-01-01T00:15:00.000Z' });
    // The trace row's size: 2,000 context tokens at four characters each, less the chat framing.
    expect(request.body.messages[0]?.content.length).toBe((2_000 - 6) * 4);
    expect(indexOf('tpx', key)).toBe(3);
    expect(indexOf('tpx', 'tpy-3')).toBeUndefined();
    expect(indexOf('tpx', 'tpx-3a')).toBeUndefined();
  });

  it('reads receivedAt and routedAt from the end of a lane message', () => {
    const text = JSON.stringify({
      request: { id: 'x', body: { input: 'receivedAt' } },
      receivedAt: '2026-01-01T00:00:00.000Z',
      routing: { lane: 'batch', routedAt: '2026-01-01T00:00:01.500Z' },
    });
    expect(laneStamps(text)).toEqual({ receivedAt: Date.parse('2026-01-01T00:00:00.000Z'), routedAt: Date.parse('2026-01-01T00:00:01.500Z') });
    expect(laneStamps('{}')).toEqual({ receivedAt: undefined, routedAt: undefined });
  });
});
