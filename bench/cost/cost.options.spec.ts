import { resolve } from 'node:path';
import { DEFAULT_COST_OPTIONS, parseCostOptions } from './cost.options';

describe('parseCostOptions', () => {
  it('replays 600 rows at twice the pace with a day in a minute by default', () => {
    expect(parseCostOptions([])).toEqual(DEFAULT_COST_OPTIONS);
    expect(DEFAULT_COST_OPTIONS).toMatchObject({ requests: 600, speed: 2, seed: 1, compression: 1440, minDeadlineS: 3, traceDir: undefined });
  });

  it('reads its options', () => {
    expect(parseCostOptions(['--trace', '../shared/data/x', '--requests', '0', '--speed', '4', '--compression', '720', '--min-deadline', '2'])).toMatchObject({
      traceDir: resolve('../shared/data/x'),
      requests: undefined,
      speed: 4,
      compression: 720,
      minDeadlineS: 2,
    });
  });

  it('names what is wrong', () => {
    expect(() => parseCostOptions(['--rate', '5'])).toThrow(/Unknown option '--rate'/);
    expect(() => parseCostOptions(['--wait=-1'])).toThrow('--wait needs a positive number, got "-1"');
    expect(() => parseCostOptions(['--compression', '0.5'])).toThrow('--compression needs a number >= 1');
    expect(() => parseCostOptions(['--min-deadline', '70'])).toThrow('must be under a compressed day (60 s)');
  });
});
