import { callDeadline } from './call.deadline';

const DAY = 86_400_000;
const MAX = 600_000;

describe('callDeadline', () => {
  it('takes the header as a duration from receipt', () => {
    expect(callDeadline('200ms', DAY, MAX)).toEqual({ ok: true, ms: 200 });
    expect(callDeadline(' 30s ', DAY, MAX)).toEqual({ ok: true, ms: 30_000 });
    expect(callDeadline('1m30s', DAY, MAX)).toEqual({ ok: true, ms: 90_000 });
  });

  it("takes the policy's default without a header, cut to what a waiting call may take", () => {
    expect(callDeadline(undefined, 60_000, MAX)).toEqual({ ok: true, ms: 60_000 });
    expect(callDeadline(undefined, DAY, MAX)).toEqual({ ok: true, ms: MAX });
  });

  it.each([['soon'], ['30'], ['0s'], ['-5s'], ['']])('refuses %j, naming the header', (header) => {
    const deadline = callDeadline(header, DAY, MAX);
    expect(deadline.ok).toBe(false);
    expect(deadline.ok ? '' : deadline.message).toContain('X-Sluice-Deadline');
  });

  it('refuses a header longer than a waiting call may take, pointing at the batches API', () => {
    const deadline = callDeadline('2h', DAY, MAX);
    expect(deadline).toEqual({ ok: false, message: expect.stringContaining('batches') as unknown });
  });
});
