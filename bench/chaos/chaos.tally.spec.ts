import { SentRequest, StepInput, stepVerdict, tallyStep } from './chaos.tally';

const sent = (id: string, sentAt: number, deadlineAt: number, kind: SentRequest['kind'] = 'realtime'): SentRequest => ({ id, kind, sentAt, deadlineAt });

function input(overrides: Partial<StepInput>): StepInput {
  return {
    sent: [],
    produceFailed: 0,
    replies: [],
    results: [],
    dlq: [],
    booked: [],
    extraSpend: [],
    openCalls: 0,
    billed: { calls: 0, usd: 0 },
    faultStart: 1000,
    faultEnd: 2000,
    graceMs: 500,
    ...overrides,
  };
}

describe('tallyStep', () => {
  it('counts each request by its replies: exactly once, more than once, none (lost)', () => {
    const figures = tallyStep(
      input({
        sent: [sent('a', 0, 10_000), sent('b', 0, 10_000), sent('c', 0, 10_000)],
        replies: [
          { id: 'a', status: 'succeeded', readAt: 100 },
          { id: 'b', status: 'failed', readAt: 100 },
          { id: 'b', status: 'failed', readAt: 200 },
          { id: 'other-run', status: 'succeeded', readAt: 100 },
        ],
        results: [
          { id: 'a', status: 'succeeded', readAt: 90 },
          { id: 'a', status: 'succeeded', readAt: 95 },
        ],
      }),
    );
    expect(figures).toMatchObject({
      sent: 3,
      answeredExactlyOnce: 1,
      answeredMoreThanOnce: { count: 1, ids: ['b'] },
      lost: { count: 1, ids: ['c'] },
      notSucceeded: { failed: 1 },
      resultsTopicRepeats: 1,
    });
    expect(stepVerdict(figures)).toEqual({ pass: false, failures: ['1 lost', '1 answered more than once'] });
  });

  it('compares the bill with the booked provider answers, and tells an escalation from a double booking', () => {
    const figures = tallyStep(
      input({
        sent: [sent('a', 0, 1e9, 'batch'), sent('b', 0, 1e9), sent('c', 0, 1e9)],
        replies: ['a', 'b', 'c'].map((id) => ({ id, status: 'succeeded', readAt: 10 })),
        booked: [
          { requestId: 'a', lane: 'batch', status: 'succeeded', costUsd: 0.001 },
          { requestId: 'a', lane: 'realtime', status: 'succeeded', costUsd: 0.002 },
          { requestId: 'b', lane: 'realtime', status: 'succeeded', costUsd: 0.002 },
          { requestId: 'b', lane: 'async', status: 'succeeded', costUsd: 0.001 },
          { requestId: 'c', lane: 'cache', status: 'succeeded', costUsd: 0 },
          { requestId: 'c', lane: 'realtime', status: 'succeeded', costUsd: 0.002 },
        ],
        billed: { calls: 6, usd: 0.009 },
      }),
    );
    expect(figures.escalated).toBe(1);
    expect(figures.doubleBooked).toEqual({ count: 1, ids: ['b (realtime + async)'] });
    expect(figures.providerAndCache).toEqual({ count: 1, ids: ['c'] });
    expect(figures.billing).toEqual({
      billedCalls: 6,
      bookedCalls: 5,
      extraCalls: 0,
      sweptCalls: 0,
      openCalls: 0,
      billedUsd: 0.009,
      bookedUsd: 0.008,
      sweptUsd: 0,
      equal: false,
    });
    expect(stepVerdict(figures).failures).toEqual(['1 double-booked', 'billed 6 calls / $0.009 against 5 booked / $0.008']);
  });

  it('counts extra spend as booked: a second call for one result and a call a crash left unanswered (swept)', () => {
    const figures = tallyStep(
      input({
        sent: [sent('a', 0, 1e9), sent('b', 0, 1e9)],
        replies: ['a', 'b'].map((id) => ({ id, status: 'succeeded', readAt: 10 })),
        booked: [
          { requestId: 'a', lane: 'realtime', status: 'succeeded', costUsd: 0.002 },
          { requestId: 'b', lane: 'realtime', status: 'succeeded', costUsd: 0.001 },
        ],
        extraSpend: [
          { requestId: 'a', costUsd: 0.002, swept: false },
          { requestId: 'b', costUsd: 0.001, swept: true },
        ],
        openCalls: 1,
        billed: { calls: 4, usd: 0.006 },
      }),
    );
    expect(figures.doubleBooked.count).toBe(0);
    expect(figures.billing).toEqual({
      billedCalls: 4,
      bookedCalls: 4,
      extraCalls: 2,
      sweptCalls: 1,
      openCalls: 1,
      billedUsd: 0.006,
      bookedUsd: 0.006,
      sweptUsd: 0.001,
      equal: true,
    });
  });

  it('takes a swept call booked at an estimate above its bill as booked, and one below it as a failure', () => {
    const step = (sweptUsd: number): boolean =>
      tallyStep(
        input({
          sent: [sent('a', 0, 1e9), sent('b', 0, 1e9)],
          replies: ['a', 'b'].map((id) => ({ id, status: 'succeeded', readAt: 10 })),
          booked: [{ requestId: 'a', lane: 'realtime', status: 'succeeded', costUsd: 0.002 }],
          extraSpend: [{ requestId: 'b', costUsd: sweptUsd, swept: true }],
          billed: { calls: 2, usd: 0.003 },
        }),
      ).billing.equal;
    expect(step(0.004)).toBe(true);
    expect(step(0.0005)).toBe(false);
  });

  it('counts dead letters of its own requests (the load, never the corpus, which is tallied apart)', () => {
    const figures = tallyStep(
      input({
        sent: [sent('a', 0, 1e9)],
        replies: [{ id: 'a', status: 'failed', readAt: 10 }],
        dlq: [
          { id: 'a', status: 'dlq', readAt: 5 },
          { id: 'a', status: 'dlq', readAt: 6 },
          { id: 'not-ours', status: 'dlq', readAt: 6 },
        ],
      }),
    );
    expect(figures.dlq).toEqual({ count: 1, ids: ['a'] });
    expect(stepVerdict(figures)).toEqual({ pass: false, failures: ['1 dead-lettered'] });
  });

  it('measures recovery from the fault end, and deadline attainment without the deadlines the fault made impossible', () => {
    const figures = tallyStep(
      input({
        sent: [
          sent('before', 0, 900),
          sent('during-1', 1200, 1500), // deadline inside the fault: not feasible
          sent('during-2', 1500, 2400), // deadline within the grace after the end: not feasible
          sent('during-3', 1800, 5000, 'async'),
          sent('after', 2100, 3000),
        ],
        replies: [
          { id: 'before', status: 'succeeded', readAt: 800 },
          { id: 'during-1', status: 'succeeded', readAt: 2300 },
          { id: 'during-2', status: 'succeeded', readAt: 2350 },
          { id: 'during-3', status: 'succeeded', readAt: 2600 },
          { id: 'after', status: 'succeeded', readAt: 3100 },
        ],
      }),
    );
    expect(figures.recovery).toEqual({ firstAnswerMs: 300, backlogClearedMs: 600 });
    expect(figures.deadline).toEqual({
      feasible: 3,
      met: 2,
      attainment: 0.6667,
      byKind: { realtime: { feasible: 2, met: 1 }, async: { feasible: 1, met: 1 } },
    });
  });

  it('leaves the backlog time open while a request sent during the fault has no reply', () => {
    const figures = tallyStep(input({ sent: [sent('during', 1500, 1e9)] }));
    expect(figures.recovery).toEqual({ firstAnswerMs: null, backlogClearedMs: null });
    expect(figures.deadline.attainment).toBe(0);
  });
});
