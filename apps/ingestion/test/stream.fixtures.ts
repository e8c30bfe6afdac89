import { Topics } from '@sluice/contracts';
import { sampleResult } from '@sluice/contracts/testing/message.samples';

/** A lifecycle event of request `requestId`, as a service would publish it. */
export function lifecycleEvent(tenant: string, requestId: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { eventId: `${tenant}.${requestId}.${type}`, type, requestId, tenant, at: '2030-01-01T00:00:01Z', ...extra };
}

export function streamChunk(tenant: string, requestId: string, seq: number, delta: string, final = false): Record<string, unknown> {
  return { requestId, tenant, seq, delta, final, at: '2030-01-01T00:00:02Z', ...(final ? { finishReason: 'stop' } : {}) };
}

export function inferenceResult(tenant: string, requestId: string, lane = 'realtime'): Record<string, unknown> {
  return sampleResult({ id: requestId, tenant, lane, resultId: `${tenant}.${requestId}.${lane}.1` });
}

export function completedEvent(tenant: string, requestId: string, lane = 'realtime'): Record<string, unknown> {
  return lifecycleEvent(tenant, requestId, 'completed', { lane, resultId: `${tenant}.${requestId}.${lane}.1` });
}

export const relayed = { events: Topics.Events, stream: Topics.Stream, results: Topics.Results } as const;

/** Parses what an SSE stream wrote into its events (comments dropped). */
export function parseSse(text: string): Array<{ event: string; id?: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '' && !frame.startsWith(':'))
    .map((frame) => {
      const fields = new Map(frame.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      return { event: fields.get('event') ?? 'message', id: fields.get('id'), data: JSON.parse(fields.get('data') ?? 'null') as unknown };
    });
}
