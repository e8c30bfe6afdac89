import { DEFAULT_READY_TIMEOUT_MS, UsageError, parseUpArgs } from './up.args';

describe('parseUpArgs', () => {
  it('reads up with its defaults, --rebuild and --timeout in seconds', () => {
    expect(parseUpArgs(['up'])).toEqual({ command: 'up', rebuild: false, readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS });
    expect(parseUpArgs(['up', '--timeout', '45', '--rebuild'])).toEqual({ command: 'up', rebuild: true, readyTimeoutMs: 45_000 });
  });

  it('reads down and help', () => {
    expect(parseUpArgs(['down'])).toEqual({ command: 'down' });
    expect(parseUpArgs([])).toEqual({ command: 'help' });
  });

  it('refuses unknown options, a bad timeout and options on down', () => {
    expect(() => parseUpArgs(['up', '--fast'])).toThrow(new UsageError('unknown option for up: --fast'));
    expect(() => parseUpArgs(['up', '--timeout', 'soon'])).toThrow('--timeout needs a positive number of seconds, got "soon"');
    expect(() => parseUpArgs(['up', '--timeout'])).toThrow('--timeout needs a positive number of seconds, got ""');
    expect(() => parseUpArgs(['down', '--all'])).toThrow('down takes no options: --all');
    expect(() => parseUpArgs(['sideways'])).toThrow('unknown command: sideways');
  });
});
