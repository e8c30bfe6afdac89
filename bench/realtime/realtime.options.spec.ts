import { BenchUsageError } from '../support/bench.args';
import { DEFAULT_OPTIONS, parseRealtimeOptions } from './realtime.options';

describe('realtime bench options', () => {
  it('keeps its defaults and reads the sweep flags', () => {
    expect(parseRealtimeOptions([])).toEqual(DEFAULT_OPTIONS);
    expect(parseRealtimeOptions(['--sweep', '--sweep-rates', '50,100', '--concurrency', '16', '--rate', '10,25', '--skip-streaming'])).toMatchObject({
      sweep: true,
      sweepRates: [50, 100],
      concurrency: 16,
      rates: [10, 25],
      skipStreaming: true,
    });
  });

  it('refuses unknown flags and bad numbers', () => {
    expect(() => parseRealtimeOptions(['--rate', '0'])).toThrow('--rate needs positive numbers');
    expect(() => parseRealtimeOptions(['--rounds', '1.5'])).toThrow('--rounds needs a whole number');
    expect(() => parseRealtimeOptions(['--swep'])).toThrow(BenchUsageError);
  });
});
