import { DEFAULT_CHAOS_OPTIONS } from './chaos.options';
import { KILLED_PROCESSES, chaosSchedule, plannedRequest } from './chaos.plan';

describe('chaos schedule', () => {
  it('makes one step per outage length and per killed process, in the order of --fault', () => {
    const steps = chaosSchedule({ ...DEFAULT_CHAOS_OPTIONS, faults: ['db', 'kill', 'broker', 'provider'] });
    expect(steps.map((step) => step.fault.label)).toEqual([
      'db-10s',
      'db-60s',
      ...KILLED_PROCESSES.map((name) => `kill-${name}`),
      'broker-20s',
      'provider-60s',
    ]);
    expect(steps[1]).toEqual({ fault: { kind: 'db', label: 'db-60s', outageMs: 60_000 }, leadMs: 5_000, tailMs: 15_000 });
  });

  it('kills only the processes --kill names', () => {
    const steps = chaosSchedule({ ...DEFAULT_CHAOS_OPTIONS, faults: ['kill'], killed: ['realtime-worker'] });
    expect(steps.map((step) => step.fault)).toEqual([{ kind: 'kill', label: 'kill-realtime-worker', process: 'realtime-worker' }]);
  });

  it('gives a short run only what it asks for', () => {
    const steps = chaosSchedule({ ...DEFAULT_CHAOS_OPTIONS, faults: ['provider'], providerFaultS: 5, leadS: 1, tailS: 2 });
    expect(steps).toEqual([{ fault: { kind: 'provider', label: 'provider-5s', faultMs: 5000 }, leadMs: 1000, tailMs: 2000 }]);
  });
});

describe('mixed load', () => {
  it('is 60 % realtime, 25 % async, 15 % batch, with 5 % repeating the body of the request before, of the same kind', () => {
    const planned = Array.from({ length: 200 }, (_, index) => plannedRequest(index));
    const share = (kind: string): number => planned.filter((request) => request.kind === kind).length / planned.length;
    expect([share('realtime'), share('async'), share('batch')]).toEqual([0.6, 0.25, 0.15]);
    const repeats = planned.flatMap((request, index) => (request.sameBodyAs === undefined ? [] : [{ index, of: request.sameBodyAs }]));
    expect(repeats).toHaveLength(10);
    for (const { index, of } of repeats) {
      expect(of).toBe(index - 1);
      expect(planned[of]?.kind).toBe(planned[index]?.kind);
      expect(planned[of]?.sameBodyAs).toBeUndefined();
    }
  });
});
