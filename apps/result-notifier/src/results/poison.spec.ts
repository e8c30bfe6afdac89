import { isolateFailures, mayBeOneMessage } from './poison';

describe('mayBeOneMessage', () => {
  it.each([
    ['a jsonb value PostgreSQL refuses', Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }), true],
    ['a constraint violation', Object.assign(new Error('violates check constraint'), { code: '23514' }), true],
    ['a row too large', Object.assign(new Error('row is too big'), { code: '54000' }), true],
    ['a bug on one message', new TypeError("Cannot read properties of undefined (reading 'x')"), true],
    ['a connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false],
    ['a deadlock', Object.assign(new Error('deadlock detected'), { code: '40P01' }), false],
    ['a broker error', new Error('broker unavailable'), false],
  ])('%s: %s', (_name, error, expected) => {
    expect(mayBeOneMessage(error)).toBe(expected);
  });
});

describe('isolateFailures', () => {
  const refused = (bad: ReadonlySet<number>) => {
    const calls: number[][] = [];
    const work = async (items: readonly number[]): Promise<number[]> => {
      calls.push([...items]);
      if (items.some((item) => bad.has(item))) throw Object.assign(new Error('refused'), { code: '22P05' });
      return items.map((item) => item * 10);
    };
    return { calls, work };
  };

  it('runs the whole batch once when it succeeds', async () => {
    const { calls, work } = refused(new Set());
    expect(await isolateFailures([1, 2, 3], work)).toEqual([
      { ok: true, value: 10 },
      { ok: true, value: 20 },
      { ok: true, value: 30 },
    ]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('fails only the poison items, in place, and handles the others', async () => {
    const { calls, work } = refused(new Set([3, 6]));
    const outcomes = await isolateFailures([1, 2, 3, 4, 5, 6, 7, 8], work);
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.value : 'failed'))).toEqual([10, 20, 'failed', 40, 50, 'failed', 70, 80]);
    expect(calls.length).toBeLessThan(16);
  });

  it("fails everything at once, without splitting, when the failure is not one item's", async () => {
    const calls: number[] = [];
    const down = new Error('broker unavailable');
    const outcomes = await isolateFailures([1, 2, 3, 4], async (items) => {
      calls.push(items.length);
      throw down;
    });
    expect(outcomes).toEqual([1, 2, 3, 4].map(() => ({ ok: false, error: down })));
    expect(calls).toEqual([4]);
  });
});
