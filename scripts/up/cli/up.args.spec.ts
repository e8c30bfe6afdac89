import { DEFAULT_READY_TIMEOUT_MS, UsageError, parseUpArgs } from './up.args';

describe('parseUpArgs', () => {
  it('reads up with its defaults, --rebuild and --timeout in seconds', () => {
    expect(parseUpArgs(['up'])).toEqual({ command: 'up', rebuild: false, readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS, copies: {} });
    expect(parseUpArgs(['up', '--timeout', '45', '--rebuild'])).toEqual({ command: 'up', rebuild: true, readyTimeoutMs: 45_000, copies: {} });
  });

  it('reads copies per app, as one list or several options', () => {
    expect(parseUpArgs(['up', '--copies', 'router=3,realtime-worker=2'])).toMatchObject({ copies: { router: 3, 'realtime-worker': 2 } });
    expect(parseUpArgs(['up', '--copies', 'router=3', '--copies', 'ingestion=1'])).toMatchObject({ copies: { router: 3, ingestion: 1 } });
  });

  it('reads down, status and help', () => {
    expect(parseUpArgs(['down'])).toEqual({ command: 'down' });
    expect(parseUpArgs(['status'])).toEqual({ command: 'status' });
    expect(parseUpArgs([])).toEqual({ command: 'help' });
  });

  it('refuses unknown options, a bad timeout, bad copies and options on down and status', () => {
    expect(() => parseUpArgs(['up', '--fast'])).toThrow(UsageError);
    expect(() => parseUpArgs(['up', '--fast'])).toThrow("Unknown option '--fast'");
    expect(() => parseUpArgs(['up', '--timeout', 'soon'])).toThrow('--timeout needs a positive number of seconds, got "soon"');
    expect(() => parseUpArgs(['up', '--timeout'])).toThrow("Option '--timeout <value>' argument missing");
    expect(() => parseUpArgs(['up', '--copies', 'provider-emulator=2'])).toThrow('--copies: "provider-emulator" is not a Sluice app');
    expect(() => parseUpArgs(['up', '--copies', 'router=0'])).toThrow('--copies: router needs a whole number of copies from 1 to 16, got "0"');
    expect(() => parseUpArgs(['up', '--copies', 'router=2.5'])).toThrow('got "2.5"');
    expect(() => parseUpArgs(['up', '--copies', 'router'])).toThrow('got ""');
    expect(() => parseUpArgs(['down', '--all'])).toThrow('down takes no options: --all');
    expect(() => parseUpArgs(['status', '--json'])).toThrow('status takes no options: --json');
    expect(() => parseUpArgs(['sideways'])).toThrow('unknown command: sideways');
  });
});
