import { ErrorCode, Topics } from '@sluice/contracts';
import type { RoutingPolicy } from '@sluice/routing';
import { completedEvent, inferenceResult, lifecycleEvent, streamChunk } from '../../../test/stream.fixtures';
import { RequestEventsHub } from '../../events/request-events.hub';
import type { SubmissionReply } from '../../http/submissions/submit-requests.handler';
import { FacadeCalls, FacadeCallsDeps, FacadeRequest } from './facade-calls.handler';

const policy = {
  operations: {
    chat: { defaultDeadlineMs: 60_000, allowedLanes: ['realtime', 'async', 'batch'] },
    embedding: { defaultDeadlineMs: 86_400_000, allowedLanes: ['realtime', 'async', 'batch'] },
  },
  defaultEstimatesMs: { realtime: 10_000, async: 300_000, batch: 21_600_000 },
  reservedRealtimeShare: 0.3,
  tenants: {},
} as unknown as RoutingPolicy;

const request: FacadeRequest = {
  provider: 'openai',
  operation: 'chat',
  body: { model: 'gpt-4o-mini', messages: [] },
  stream: false,
  bytes: 100,
  metadata: { 'sluice.facade': 'openai' },
};

function setUp(options: { reply?: SubmissionReply; onSubmit?: (hub: RequestEventsHub) => void; ledgerResult?: unknown; graceMs?: number } = {}) {
  const hub = new RequestEventsHub();
  const submitted: unknown[] = [];
  const deps: FacadeCallsDeps = {
    hub,
    relay: { goLive: () => Promise.resolve() },
    submissions: {
      submit: (received) => {
        // The stream must be open before the request exists: whatever is published right away reaches it.
        expect(hub.watches('r-1')).toBe(true);
        submitted.push(received.ok ? received.json : undefined);
        options.onSubmit?.(hub);
        return Promise.resolve(options.reply ?? { status: 202, body: { id: 'r-1', status: 'accepted', duplicate: false, links: { self: '', events: '' } } });
      },
    },
    status: { find: () => Promise.resolve(options.ledgerResult === undefined ? undefined : ({ result: options.ledgerResult } as never)) },
    policy,
    newId: () => 'r-1',
    limits: { resultWaitMs: 0, maxDeadlineMs: 600_000, graceMs: options.graceMs ?? 5_000 },
  };
  return { calls: new FacadeCalls(deps), hub, submitted };
}

describe('FacadeCalls', () => {
  it("submits an ordinary Sluice request with the header's deadline and answers with the delivered result, chunks passed on", async () => {
    const chunks: string[] = [];
    const lanes: string[] = [];
    const { calls, hub, submitted } = setUp({
      onSubmit: (events) =>
        queueMicrotask(() => {
          events.dispatch(Topics.Events, lifecycleEvent('acme', 'r-1', 'routed', { lane: 'realtime', reason: 'slack-needs-realtime' }));
          events.dispatch(Topics.Stream, streamChunk('acme', 'r-1', 0, 'Hi', true));
          events.dispatch(Topics.Events, completedEvent('acme', 'r-1'));
          events.dispatch(Topics.Results, { ...inferenceResult('acme', 'r-1'), chunks: 1 });
        }),
    });
    const answer = await calls.call(
      'acme',
      { ...request, stream: true, deadlineHeader: '30s' },
      {},
      {
        accepted: (id) => lanes.push(`accepted ${id}`),
        lane: (lane) => lanes.push(lane),
        chunk: (chunk) => chunks.push(chunk.delta),
      },
    );

    expect(submitted).toEqual([
      { id: 'r-1', tenant: 'acme', provider: 'openai', operation: 'chat', body: request.body, stream: true, maxLatencyMs: 30_000, metadata: request.metadata },
    ]);
    expect(answer).toMatchObject({ kind: 'answered', requestId: 'r-1', result: { id: 'r-1', lane: 'realtime' } });
    expect(chunks).toEqual(['Hi']);
    expect(lanes[0]).toBe('accepted r-1');
    expect(hub.isEmpty).toBe(true);
  });

  it("takes the policy's default deadline without a header, cut to the longest a caller may wait", async () => {
    const { calls, submitted } = setUp({ reply: { status: 400, body: { error: { code: ErrorCode.VALIDATION_FAILED, message: 'no' } } } });
    await calls.call('acme', { ...request, operation: 'embedding' }, {});
    expect(submitted[0]).toMatchObject({ maxLatencyMs: 600_000 });
  });

  it('answers a refused request with its first problem, and a bad deadline header without submitting anything', async () => {
    const { calls, hub, submitted } = setUp({
      reply: {
        status: 400,
        body: {
          error: { code: ErrorCode.VALIDATION_FAILED, message: 'the request is invalid' },
          errors: [
            { code: ErrorCode.MODEL_UNKNOWN, message: 'unknown model', field: 'body.model' },
            { code: ErrorCode.INVALID_FIELD, message: 'bad', field: 'body.n' },
          ],
        },
      },
    });
    expect(await calls.call('acme', request, {})).toEqual({
      kind: 'refused',
      status: 400,
      error: { code: 'MODEL_UNKNOWN', message: 'unknown model (and 1 more: body.n)', field: 'body.model' },
    });
    expect(await calls.call('acme', { ...request, deadlineHeader: 'soon' }, {})).toMatchObject({
      kind: 'refused',
      status: 400,
      error: { field: 'X-Sluice-Deadline' },
    });
    expect(submitted).toHaveLength(1);
    expect(hub.isEmpty).toBe(true);
  });

  it('answers a failed request with its error, lane and cost', async () => {
    const { calls } = setUp({
      onSubmit: (events) =>
        queueMicrotask(() =>
          events.dispatch(
            Topics.Events,
            lifecycleEvent('acme', 'r-1', 'failed', { lane: 'realtime', costUsd: 0, error: { code: 'DEADLINE_EXCEEDED', message: 'too late' } }),
          ),
        ),
    });
    expect(await calls.call('acme', request, {})).toEqual({
      kind: 'failed',
      requestId: 'r-1',
      lane: 'realtime',
      costUsd: 0,
      error: { code: 'DEADLINE_EXCEEDED', message: 'too late' },
    });
  });

  it('reads the result from the ledger when completed came without it', async () => {
    const stored = inferenceResult('acme', 'r-1');
    const { calls } = setUp({
      ledgerResult: stored,
      onSubmit: (events) => queueMicrotask(() => events.dispatch(Topics.Events, completedEvent('acme', 'r-1'))),
    });
    expect(await calls.call('acme', request, {})).toEqual({ kind: 'answered', requestId: 'r-1', result: stored });
  });

  it('stops waiting at the deadline plus the grace, naming the request that goes on', async () => {
    const { calls, hub } = setUp({ graceMs: 0 });
    expect(await calls.call('acme', { ...request, deadlineHeader: '10ms' }, {})).toEqual({ kind: 'timed-out', requestId: 'r-1', waitedMs: 10 });
    expect(hub.isEmpty).toBe(true);
  });
});
