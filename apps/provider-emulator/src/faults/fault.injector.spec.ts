import { presetProfile } from '../profiles/behaviour.profile';
import { FaultInjector } from './fault.injector';

const faults = (rates: Partial<ReturnType<typeof presetProfile>['faults']>) => ({ ...presetProfile('default').faults, ...rates });

describe('fault injector', () => {
  it('serves armed faults first, per model and for any model', () => {
    const injector = new FaultInjector();
    injector.arm('m', '429', 2);
    injector.arm('*', '500', 1);
    const none = faults({});
    expect([1, 2, 3, 4].map(() => injector.draw('m', none, 1))).toEqual(['429', '429', '500', undefined]);
    expect(injector.stats().injected.m).toEqual({ '429': 2, '500': 1, timeout: 0 });
  });

  it('draws the same sequence for the same seed, and a different one for another seed', () => {
    const sequence = (seed: number): string =>
      Array.from({ length: 40 }, () => new FaultInjector())
        .slice(0, 1)
        .map((injector) => Array.from({ length: 40 }, () => injector.draw('m', faults({ rate429: 0.2, rate500: 0.2 }), seed) ?? '.').join(','))
        .join('');
    expect(sequence(3)).toBe(sequence(3));
    expect(sequence(3)).not.toBe(sequence(4));
    expect(sequence(3)).toMatch(/429/);
  });

  it('fails batch lines by custom_id, independent of order', () => {
    const injector = new FaultInjector();
    const failing = (ids: string[]): string[] => ids.filter((id) => injector.lineFails('m', id, 0.3, 8));
    const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);
    expect(failing([...ids].reverse()).sort()).toEqual(failing(ids).sort());
    expect(failing(ids).length).toBeGreaterThan(10);
    expect(failing(ids).length).toBeLessThan(50);
  });
});
