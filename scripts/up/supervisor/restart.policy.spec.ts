import { DEFAULT_RESTART_POLICY, describeExit, planRestart } from './restart.policy';

describe('planRestart', () => {
  const policy = DEFAULT_RESTART_POLICY;

  it('waits a second after a service that had stayed up', () => {
    expect(planRestart(0, 5 * 60_000, policy)).toEqual({ delayMs: 1_000, exitStreak: 1, reachedCap: false });
  });

  it('doubles the wait with every quick exit up to 30 s and stays there, saying so once', () => {
    let streak = 0;
    const decisions = [];
    for (let exit = 0; exit < 8; exit += 1) {
      const decision = planRestart(streak, 2_000, policy);
      streak = decision.exitStreak;
      decisions.push(decision);
    }
    expect(decisions.map((d) => d.delayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(decisions.map((d) => d.reachedCap)).toEqual([false, false, false, false, false, true, false, false]);
    expect(streak).toBe(8);
  });

  it('starts from the first wait again once a run lasted the stable time', () => {
    expect(planRestart(7, policy.stableAfterMs - 1, policy)).toMatchObject({ delayMs: 30_000, exitStreak: 8 });
    expect(planRestart(7, policy.stableAfterMs, policy)).toEqual({ delayMs: 1_000, exitStreak: 1, reachedCap: false });
  });

  it('reports the cap on the first exit when the first wait is already the longest', () => {
    expect(planRestart(0, 0, { firstDelayMs: 500, maxDelayMs: 500, stableAfterMs: 1_000 })).toEqual({ delayMs: 500, exitStreak: 1, reachedCap: true });
  });
});

describe('describeExit', () => {
  it('names the code, or the signal that ended the process', () => {
    expect(describeExit(1, null)).toBe('exited with code 1');
    expect(describeExit(0, null)).toBe('exited with code 0');
    expect(describeExit(null, 'SIGKILL')).toBe('was killed by SIGKILL');
  });
});
