import { resolve } from 'node:path';
import { DEFAULT_COST_OPTIONS, parseCostOptions } from './cost.options';

describe('parseCostOptions', () => {
  it('replays the whole excerpt at twice its pace, routing by the policy estimates, by default', () => {
    expect(parseCostOptions([])).toEqual(DEFAULT_COST_OPTIONS);
    expect(DEFAULT_COST_OPTIONS).toMatchObject({ requests: undefined, speed: 2, seed: 1, waitS: 300, traceDir: undefined, learnedEstimates: false });
  });

  it('reads its own options and the replay ones', () => {
    expect(
      parseCostOptions(['--trace', '../shared/data/x', '--learned-estimates', '--requests', '5000', '--mix', 'interactive=1,minutes=1', '--speed', '4']),
    ).toMatchObject({
      traceDir: resolve('../shared/data/x'),
      learnedEstimates: true,
      requests: 5000,
      speed: 4,
      mix: { interactive: 0.5, minutes: 0.5, hours: 0 },
    });
  });

  it('names what is wrong', () => {
    expect(() => parseCostOptions(['--trace'])).toThrow('--trace needs a folder');
    expect(() => parseCostOptions(['--rate', '5'])).toThrow('unknown option --rate');
    expect(() => parseCostOptions(['--wait', '-1'])).toThrow('--wait needs a positive number, got "-1"');
  });
});
