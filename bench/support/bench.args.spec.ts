import { BenchUsageError, positiveList, positiveNumber, readFlags } from './bench.args';

describe('bench flags', () => {
  const spec = { rates: { type: 'string' }, window: { type: 'string' }, sweep: { type: 'boolean' } } as const;

  it('reads values and booleans strictly', () => {
    const values = readFlags(['--rates', '50,100', '--sweep'], spec, 'usage');
    expect(positiveList(values, 'rates', [1])).toEqual([50, 100]);
    expect(positiveNumber(values, 'window', 2.5)).toBe(2.5);
    expect(values.sweep).toBe(true);
  });

  it('refuses unknown options, stray words and bad lists with the usage', () => {
    expect(() => readFlags(['--rate', '5'], spec, 'the usage')).toThrow(/the usage/);
    expect(() => readFlags(['now'], spec, 'the usage')).toThrow(BenchUsageError);
    expect(() => positiveList(readFlags(['--rates', '50,,x'], spec, ''), 'rates', [])).toThrow('--rates needs positive numbers');
  });
});
