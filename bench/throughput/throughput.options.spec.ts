import { BenchUsageError } from '../support/bench.args';
import { DEFAULT_THROUGHPUT_OPTIONS, parseThroughputOptions } from './throughput.options';

describe('throughput options', () => {
  it('defaults to 200,000 requests, half of them chat', () => {
    expect(parseThroughputOptions([])).toEqual(DEFAULT_THROUGHPUT_OPTIONS);
    expect(DEFAULT_THROUGHPUT_OPTIONS).toMatchObject({ requests: 200_000, chatShare: 0.5 });
  });

  it('reads its flags, with digit separators, and refuses what it does not know', () => {
    expect(parseThroughputOptions(['--requests', '20_000', '--chat-share', '0', '--all-services', '--timeout', '60'])).toMatchObject({
      requests: 20_000,
      chatShare: 0,
      allServices: true,
      timeoutS: 60,
    });
    expect(() => parseThroughputOptions(['--requests', 'many'])).toThrow('--requests needs a whole number');
    expect(() => parseThroughputOptions(['--chat-share', '1.5'])).toThrow('from 0 to 1');
    expect(() => parseThroughputOptions(['--fast'])).toThrow(BenchUsageError);
    expect(parseThroughputOptions(['--drivers', 'kafkajs,platformatic']).drivers).toEqual(['kafkajs', 'platformatic']);
    expect(() => parseThroughputOptions(['--drivers', 'rdkafka'])).toThrow(BenchUsageError);
    expect(parseThroughputOptions([]).semiSpaces).toEqual([null]);
    expect(parseThroughputOptions(['--semi-spaces', 'default,64']).semiSpaces).toEqual([null, 64]);
    expect(() => parseThroughputOptions(['--semi-spaces', '64,huge'])).toThrow(BenchUsageError);
  });
});
