import { canWaitOnLeader } from './follow-leader';

describe('canWaitOnLeader', () => {
  it('waits on a leader due no later than the follower', () => {
    expect(canWaitOnLeader({ mode: 'auto', deadlineMs: 100 }, { mode: 'auto', deadlineMs: 100 })).toBe(true);
    expect(canWaitOnLeader({ mode: 'auto', deadlineMs: 90 }, { mode: 'realtime', deadlineMs: 100 })).toBe(true);
  });

  it('does not wait on a leader due later, which may sit in a slower lane', () => {
    expect(canWaitOnLeader({ mode: 'auto', deadlineMs: 101 }, { mode: 'auto', deadlineMs: 100 })).toBe(false);
  });

  it('does not trust the deadline of a leader forced onto a slower lane, unless the follower asked for the same', () => {
    expect(canWaitOnLeader({ mode: 'batch', deadlineMs: 50 }, { mode: 'auto', deadlineMs: 100 })).toBe(false);
    expect(canWaitOnLeader({ mode: 'batch', deadlineMs: 50 }, { mode: 'batch', deadlineMs: 100 })).toBe(true);
    expect(canWaitOnLeader({ mode: 'realtime', deadlineMs: 50 }, { mode: 'auto', deadlineMs: 100 })).toBe(true);
  });
});
