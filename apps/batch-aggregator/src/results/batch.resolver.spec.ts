import { ErrorCode, InferenceResultV1, LaneRequestV1, LifecycleEventV1, validateMessage } from '@sluice/contracts';
import { sampleLaneRequest, sampleRequest } from '@sluice/contracts/testing/message.samples';
import type { BatchItemRecord, BatchRecord, ItemOutcome, NewBatch, NewBatchItem } from '@sluice/ledger';
import type { BatchResult } from '@sluice/providers';
import pino from 'pino';
import { BatchResolver } from './batch.resolver';

const HOUR = 3_600_000;
const NOW = new Date('2030-01-01T00:00:00Z');

function laneRequest(id: string, deadlineMs: number): LaneRequestV1 {
  const deadline = new Date(deadlineMs).toISOString();
  const plain = sampleLaneRequest({ request: sampleRequest({ id, deadline }), deadline });
  const checked = validateMessage(LaneRequestV1, { ...plain, routing: { ...(plain.routing as object), deadline } });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
}

function item(customId: string, overrides: Partial<BatchItemRecord> = {}, deadlineMs = NOW.getTime() + 24 * HOUR): BatchItemRecord {
  return {
    batchId: 'b1',
    customId,
    tenant: 'acme',
    requestId: customId,
    status: 'pending',
    attempt: 1,
    deadline: new Date(deadlineMs),
    resultId: null,
    errorCode: null,
    payload: laneRequest(customId, deadlineMs),
    traceparent: null,
    ...overrides,
  };
}

function batch(status: BatchRecord['status'], overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    id: 'b1',
    provider: 'openai',
    operation: 'chat',
    model: 'gpt-4o-mini',
    providerBatchId: 'batch_p1',
    inputFileId: null,
    outputFileId: null,
    errorFileId: null,
    status,
    requestCount: 0,
    succeededCount: 0,
    failedCount: 0,
    expiredCount: 0,
    bytes: 0,
    earliestDeadline: null,
    createdAt: NOW,
    submitStartedAt: NOW,
    submittedAt: NOW,
    lastPolledAt: null,
    completedAt: NOW,
    resolvedAt: null,
    error: null,
    ...overrides,
  };
}

const answer = (customId: string): BatchResult => ({
  customId,
  ok: true,
  response: { id: `chatcmpl-${customId}`, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' } }] },
  usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0 },
  providerRequestId: null,
});

const failure = (customId: string, kind: 'retryable' | 'invalid_request', code: string): BatchResult => ({
  customId,
  ok: false,
  error: { kind, provider: 'openai', message: `${code} for ${customId}`, code, providerRequestId: null },
});

/** The resolver over an in-memory ledger of one batch, the provider's result lines, and recording fakes. */
function harness(items: BatchItemRecord[], lines: BatchResult[]) {
  const ledger = new Map(items.map((i) => [i.customId, { ...i }]));
  const published: InferenceResultV1[] = [];
  const events: LifecycleEventV1[] = [];
  const escalated: Array<{ reason: string; ids: string[] }> = [];
  const resubmitted: Array<{ from: string[]; status: string; batch: NewBatch; items: NewBatchItem[] }> = [];
  let resolved = false;
  const resolver = new BatchResolver(
    {
      adapters: {
        batch: () =>
          ({
            async *results() {
              yield* lines;
            },
            buildLine: (customId: string) => Buffer.from(`{"custom_id":"${customId}"}\n`),
          }) as never,
      },
      batches: {
        get: async (id: string) => ({ ...batch('pending'), id, providerBatchId: null }),
        itemsByCustomId: async (_batchId: string, ids: readonly string[]) => ids.flatMap((id) => (ledger.has(id) ? [{ ...ledger.get(id)! }] : [])),
        itemPages: async function* (_batchId: string, options: { status?: string } = {}) {
          yield [...ledger.values()]
            .filter((i) => options.status === undefined || i.status === options.status)
            .sort((a, b) => a.customId.localeCompare(b.customId))
            .map((i) => ({ ...i }));
        },
        recordItemOutcomes: async (_batchId: string, outcomes: readonly ItemOutcome[]) => {
          for (const outcome of outcomes) {
            const row = ledger.get(outcome.customId)!;
            if (row.status === 'pending') Object.assign(row, { status: outcome.status, resultId: outcome.resultId ?? null, payload: null });
            else if (row.status === 'escalated') row.resultId = outcome.resultId ?? null;
          }
          return outcomes.length;
        },
        resubmit: async (from: { customIds: readonly string[]; status: string }, next: NewBatch, nextItems: readonly NewBatchItem[]) => {
          for (const id of from.customIds) Object.assign(ledger.get(id)!, { status: from.status, payload: null });
          resubmitted.push({ from: [...from.customIds], status: from.status, batch: next, items: [...nextItems] });
          return { id: next.id, requestCount: nextItems.length, customIds: new Set(nextItems.map((i) => i.customId)) };
        },
        markResolved: async () => {
          resolved = true;
        },
      },
      publisher: {
        results: async (results: readonly InferenceResultV1[]) => void published.push(...results),
        events: async (batchEvents: readonly LifecycleEventV1[]) => void events.push(...batchEvents),
      },
      escalator: {
        fromBatch: async (_batch: unknown, escalating: readonly BatchItemRecord[], reason: string) => {
          for (const i of escalating) ledger.get(i.customId)!.status = 'escalated';
          escalated.push({ reason, ids: escalating.map((i) => i.customId) });
          return escalating.length;
        },
      },
      metrics: { linesResolved: () => undefined, resubmittedRequests: () => undefined },
      clock: () => NOW,
      logger: pino({ level: 'silent' }),
    },
    { maxAttempts: 3, resubmitMs: () => 6 * HOUR, escalationLeadMs: 60_000 },
  );
  return { resolver, ledger, published, events, escalated, resubmitted, isResolved: () => resolved };
}

describe('BatchResolver', () => {
  it('publishes answered lines, fails refused ones, resubmits what did not run, and bills a late answer of an escalated request', async () => {
    const h = harness(
      [item('a'), item('b'), item('c'), item('d', { status: 'escalated' }), item('e')],
      [answer('a'), failure('b', 'retryable', 'batch_expired'), failure('c', 'invalid_request', 'invalid_body'), answer('d')],
    );
    const moved = await h.resolver.resolve(batch('expired'));

    expect(h.published.map((r) => [r.id, r.status, r.resultId])).toEqual([
      ['a', 'succeeded', 'acme.a.batch.1'],
      ['c', 'failed', 'acme.c.batch.1'],
      ['d', 'succeeded', 'acme.d.batch.1'],
    ]);
    for (const result of h.published) expect(validateMessage(InferenceResultV1, JSON.parse(JSON.stringify(result)))).toMatchObject({ ok: true });
    expect(h.published.find((r) => r.id === 'a')?.cost).toEqual({ usd: expect.any(Number), realtimeUsd: expect.any(Number), savedUsd: expect.any(Number) });
    expect(h.published.find((r) => r.id === 'a')!.cost.usd).toBeCloseTo(h.published.find((r) => r.id === 'a')!.cost.realtimeUsd / 2, 12);
    expect(h.published.find((r) => r.id === 'c')?.error).toMatchObject({
      code: ErrorCode.PROVIDER_INVALID_REQUEST,
      retryable: false,
      providerCode: 'invalid_body',
    });

    // b expired and e never came back: only they go into the next batch, as attempt 2.
    expect(h.resubmitted).toHaveLength(1);
    expect(h.resubmitted[0]).toMatchObject({ from: ['b', 'e'], status: 'expired' });
    expect(h.resubmitted[0]!.items.map((i) => [i.customId, i.attempt])).toEqual([
      ['b', 2],
      ['e', 2],
    ]);
    expect(h.events.map((e) => [e.type, e.requestId, e.batchId])).toEqual([
      ['batched', 'b', h.resubmitted[0]!.batch.id],
      ['batched', 'e', h.resubmitted[0]!.batch.id],
    ]);
    expect(moved?.id).toBe(h.resubmitted[0]!.batch.id);
    expect(h.ledger.get('d')).toMatchObject({ status: 'escalated', resultId: 'acme.d.batch.1' });
    expect(h.escalated).toEqual([]);
    expect(h.isResolved()).toBe(true);
  });

  it('publishes nothing again when it resolves the same batch a second time (after a crash)', async () => {
    const h = harness([item('a'), item('b')], [answer('a'), answer('b')]);
    await h.resolver.resolve(batch('completed'));
    await h.resolver.resolve(batch('completed'));
    expect(h.published.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('escalates what did not come back when another batch turnaround would not fit before the deadline', async () => {
    const soon = NOW.getTime() + 2 * HOUR;
    const h = harness([item('a', {}, soon), item('b', {}, soon)], [answer('a')]);
    await h.resolver.resolve(batch('expired'));
    expect(h.escalated).toEqual([{ reason: 'batch-expired', ids: ['b'] }]);
    expect(h.resubmitted).toEqual([]);
  });

  it('sends every request of a batch the provider failed as a whole to the realtime lane', async () => {
    const h = harness([item('a'), item('b')], []);
    await h.resolver.resolve(batch('failed', { providerBatchId: null, error: 'invalid_request: the input file is not JSONL' }));
    expect(h.escalated).toEqual([{ reason: 'batch-failed', ids: ['a', 'b'] }]);
    expect(h.published).toEqual([]);
  });
});
