import { InferenceResultV1, validateMessage } from '@sluice/contracts';
import { sampleResult } from '@sluice/contracts/testing/message.samples';
import { BookedResult, requestKey } from '@sluice/ledger';
import pino from 'pino';
import type { WorkerLane } from '../limiter/concurrency.limiter';
import { AnsweredAction, AnsweredRequests, LaneDelivery, planAnswered } from './answered-requests.filter';
import type { Correlation } from './lane-request.handler';

function result(id: string): InferenceResultV1 {
  const outcome = validateMessage(InferenceResultV1, sampleResult({ id, resultId: `acme.${id}.realtime.1`, lane: 'realtime' }));
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

function delivery(requestId: string, correlationId = `corr-${requestId}`): LaneDelivery {
  const call = {
    callId: `call-${requestId}`,
    resultId: `acme.${requestId}.realtime.1`,
    lane: 'realtime' as const,
    provider: 'openai' as const,
    model: 'gpt-4o-mini',
    estimatedCostUsd: 0.0001,
    expiresAt: new Date('2030-01-01T12:00:00Z'),
  };
  return { tenant: 'acme', requestId, correlation: { requestId, correlationId }, call };
}

function booked(...entries: Array<Omit<BookedResult, 'tenant'>>): Map<string, BookedResult> {
  return new Map(entries.map((entry) => [requestKey('acme', entry.requestId), { tenant: 'acme', ...entry }]));
}

describe('planAnswered', () => {
  it('calls every message of a batch none of whose requests has a result', () => {
    expect(planAnswered([delivery('r1'), delivery('r2')], new Map())).toEqual({ call: [true, true], republish: [], actions: [undefined, undefined] });
  });

  it('calls none of the requests with a booked result: republishes an unpublished one, acknowledges a published one', () => {
    const r1 = result('r1');
    const plan = planAnswered(
      [delivery('r1'), delivery('r2'), delivery('r3')],
      booked({ requestId: 'r1', result: r1, published: false }, { requestId: 'r3', result: result('r3'), published: true }),
    );
    expect(plan).toEqual({
      call: [false, true, false],
      republish: [{ result: r1, correlation: { requestId: 'r1', correlationId: 'corr-r1' } }],
      actions: ['republished', undefined, 'acknowledged'],
    });
  });

  it('republishes a result once however often its request is in the batch, and acknowledges a completion without a stored result', () => {
    const r1 = result('r1');
    const plan = planAnswered(
      [delivery('r1', 'first'), delivery('r1', 'second'), delivery('old')],
      booked({ requestId: 'r1', result: r1, published: false }, { requestId: 'old', result: null, published: false }),
    );
    expect(plan.call).toEqual([false, false, false]);
    expect(plan.republish).toEqual([{ result: r1, correlation: { requestId: 'r1', correlationId: 'first' } }]);
    expect(plan.actions).toEqual(['republished', 'acknowledged', 'acknowledged']);
  });

  it('tells tenants apart: the same request id of another tenant is called', () => {
    const plan = planAnswered([{ ...delivery('r1'), tenant: 'other' }], booked({ requestId: 'r1', result: result('r1'), published: true }));
    expect(plan.call).toEqual([true]);
  });
});

describe('AnsweredRequests', () => {
  function filter(bookedResults: () => Promise<Map<string, BookedResult>>) {
    const published: Array<{ result: InferenceResultV1; correlation: Correlation }> = [];
    const seen: Array<[WorkerLane, AnsweredAction | 'failed']> = [];
    const queries: Array<Array<string | undefined>> = [];
    const answered = new AnsweredRequests({
      ledger: {
        bookedResults: async (refs) => {
          queries.push(refs.map((ref) => ref.call?.callId));
          return bookedResults();
        },
      },
      output: { publishResults: async (results) => void published.push(...results) },
      observer: { answered: (lane, action) => void seen.push([lane, action]), ledgerCheckFailed: (lane) => void seen.push([lane, 'failed']) },
      log: pino({ level: 'silent' }),
    });
    return { answered, published, seen, queries };
  }

  it('asks the ledger once per batch, writing every call ahead, and publishes the results to repeat in one go', async () => {
    const r1 = result('r1');
    const f = filter(async () => booked({ requestId: 'r1', result: r1, published: false }, { requestId: 'r2', result: result('r2'), published: true }));
    expect(await f.answered.toCall('async', [delivery('r1'), delivery('r2'), delivery('r3')])).toEqual([false, false, true]);
    expect(f.queries).toEqual([['call-r1', 'call-r2', 'call-r3']]);
    expect(f.published).toEqual([{ result: r1, correlation: { requestId: 'r1', correlationId: 'corr-r1' } }]);
    expect(f.seen).toEqual([
      ['async', 'republished'],
      ['async', 'acknowledged'],
    ]);
  });

  it('calls every message when the ledger cannot be read, and counts the failure', async () => {
    const f = filter(async () => {
      throw new Error('database "sluice" is not currently accepting connections');
    });
    expect(await f.answered.toCall('realtime', [delivery('r1'), delivery('r2')])).toEqual([true, true]);
    expect(f.seen).toEqual([['realtime', 'failed']]);
  });
});
