import { BenchUsageError } from '../support/bench.args';
import { DEFAULT_CHAOS_OPTIONS, parseChaosOptions } from './chaos.options';

describe('chaos options', () => {
  it('defaults to its own broker and state dir, the 10 s and 60 s outages and a minute of provider faults', () => {
    expect(parseChaosOptions([])).toEqual(DEFAULT_CHAOS_OPTIONS);
    expect(DEFAULT_CHAOS_OPTIONS).toMatchObject({ brokers: '127.0.0.1:9600', dbOutagesS: [10, 60], providerFaultS: 60 });
  });

  it('reads a short run: some faults, shorter outages', () => {
    expect(parseChaosOptions(['--fault', 'kill,db', '--db-outages', '3,5', '--kill', 'realtime-worker', '--lead', '2', '--tail', '5'])).toMatchObject({
      faults: ['kill', 'db'],
      dbOutagesS: [3, 5],
      killed: ['realtime-worker'],
      leadS: 2,
      tailS: 5,
    });
  });

  it('refuses an unknown fault, a fault named twice, an unknown process to kill, the shared broker and unknown flags', () => {
    expect(() => parseChaosOptions(['--fault', 'db,flood'])).toThrow('not flood');
    expect(() => parseChaosOptions(['--fault', 'db,db'])).toThrow('twice');
    expect(() => parseChaosOptions(['--kill', 'router,emulator'])).toThrow('not emulator');
    expect(() => parseChaosOptions(['--brokers', '127.0.0.1:9092'])).toThrow('shared broker');
    expect(() => parseChaosOptions(['--loud'])).toThrow(BenchUsageError);
  });
});
