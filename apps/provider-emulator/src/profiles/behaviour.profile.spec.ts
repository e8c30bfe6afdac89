import { checkProfile, drawTurnaroundMs, mergeProfile, parseProfilePatch, presetProfile, ProfileError } from './behaviour.profile';
import { ProfileRegistry, readProfileSource } from './profile.registry';

describe('behaviour profiles', () => {
  it('rejects unknown settings and wrong types by name', () => {
    expect(() => parseProfilePatch({ latency: { ttft: 5 } }, 'file')).toThrow('file.latency.ttft is not a profile setting');
    expect(() => parseProfilePatch({ limits: { rpm: '60' } }, 'file')).toThrow('file.limits.rpm must be a number');
    expect(() => parseProfilePatch({ batch: { maxRequests: null } }, 'file')).not.toThrow();
  });

  it('checks ranges on the merged profile', () => {
    const base = presetProfile('default');
    expect(() => checkProfile(mergeProfile(base, { faults: { rate429: 1.5 } }), 'm')).toThrow(ProfileError);
    expect(() => checkProfile(mergeProfile(base, { faults: { rate429: 0.6, rate500: 0.6 } }), 'm')).toThrow('must not exceed 1');
    expect(checkProfile(mergeProfile(base, { faults: { rate429: 0.5 } }), 'm').faults.rate429).toBe(0.5);
    const heavy = (minMs: number, maxMs: number) => mergeProfile(base, { batch: { turnaround: { distribution: 'loglogistic', minMs, maxMs } } });
    expect(() => checkProfile(heavy(0, 1000), 'm')).toThrow('needs 0 < minMs (the median) < maxMs');
    expect(() => checkProfile(heavy(1000, 1000), 'm')).toThrow('needs 0 < minMs (the median) < maxMs');
    expect(checkProfile(heavy(1000, 60_000), 'm').batch.turnaround.distribution).toBe('loglogistic');
  });

  it('draws turnarounds from the configured distribution', () => {
    const turnaround = { distribution: 'uniform' as const, minMs: 1000, maxMs: 3000, perRequestMs: 0 };
    expect(drawTurnaroundMs(turnaround, 10, 0)).toBe(1000);
    expect(drawTurnaroundMs(turnaround, 10, 0.5)).toBe(2000);
    expect(drawTurnaroundMs({ ...turnaround, distribution: 'fixed' }, 10, 0.9)).toBe(1000);
    expect(drawTurnaroundMs({ ...turnaround, perRequestMs: 2 }, 100, 0)).toBe(1200);
    expect(drawTurnaroundMs({ ...turnaround, distribution: 'exponential' }, 10, 0.999999)).toBe(3000);
    const heavy = { ...turnaround, distribution: 'loglogistic' as const, minMs: 1000, maxMs: 100_000 };
    expect(drawTurnaroundMs(heavy, 10, 0.5)).toBe(1000);
    expect(drawTurnaroundMs(heavy, 10, 0.99)).toBe(100_000);
    // Uncapped: the slowest draws run far past the 99th percentile.
    expect(drawTurnaroundMs(heavy, 10, 0.999)).toBeGreaterThan(1_000_000);
  });

  it('layers preset, default and model patches, and resets to the boot state', () => {
    const source = readProfileSource(
      JSON.stringify({ preset: 'test', seed: 5, default: { latency: { ttftMs: 10 } }, models: { m: { limits: { rpm: 3 } } } }),
      'inline',
    );
    const registry = new ProfileRegistry([source], undefined);
    expect(registry.getSeed()).toBe(5);
    expect(registry.forModel('m')).toMatchObject({ latency: { ttftMs: 10 }, limits: { rpm: 3 } });
    expect(registry.forModel('other').limits.rpm).toBe(0);
    expect(registry.forModel('other').batch.turnaround.minMs).toBe(1000);
    registry.setModel('other', { limits: { tpm: 100 } });
    expect(registry.forModel('other').limits.tpm).toBe(100);
    expect(() => registry.setModel('other', { faults: { rate500: 2 } })).toThrow(ProfileError);
    registry.reset();
    expect(registry.forModel('other').limits.tpm).toBe(0);
    expect(new ProfileRegistry([source], 9).getSeed()).toBe(9);
  });

  it('refuses a malformed profile source', () => {
    expect(() => readProfileSource('{', 'f')).toThrow('f is not valid JSON');
    expect(() => readProfileSource('{"modles": {}}', 'f')).toThrow('unknown key(s) modles');
    expect(() => readProfileSource('{"preset": "fast"}', 'f')).toThrow('f.preset');
  });
});
