import { parseKeysArgs, UsageError } from './keys.args';

describe('parseKeysArgs', () => {
  it('reads create with a tenant and an optional label', () => {
    expect(parseKeysArgs(['create', '--tenant', 'acme'])).toEqual({ command: 'create', tenant: 'acme', label: null });
    expect(parseKeysArgs(['create', '--label', 'ci runner', '--tenant', 'acme'])).toEqual({ command: 'create', tenant: 'acme', label: 'ci runner' });
  });

  it('reads revoke with a prefix, with or without the slc_ of the key', () => {
    expect(parseKeysArgs(['revoke', '0123456789ab'])).toEqual({ command: 'revoke', prefix: '0123456789ab' });
    expect(parseKeysArgs(['revoke', 'slc_0123456789ab'])).toEqual({ command: 'revoke', prefix: '0123456789ab' });
  });

  it('reads list with a tenant', () => {
    expect(parseKeysArgs(['list', '--tenant', 'acme'])).toEqual({ command: 'list', tenant: 'acme' });
  });

  it('reads webhook-secret with a tenant and an overlap, 24h unless given', () => {
    expect(parseKeysArgs(['webhook-secret', '--tenant', 'acme'])).toEqual({ command: 'webhook-secret', tenant: 'acme', overlapMs: 86_400_000 });
    expect(parseKeysArgs(['webhook-secret', '--tenant', 'acme', '--overlap', '90m'])).toEqual({
      command: 'webhook-secret',
      tenant: 'acme',
      overlapMs: 5_400_000,
    });
    expect(parseKeysArgs(['webhook-secret', '--tenant', 'acme', '--overlap', '0'])).toEqual({ command: 'webhook-secret', tenant: 'acme', overlapMs: 0 });
    expect(() => parseKeysArgs(['webhook-secret', '--tenant', 'acme', '--overlap', '90'])).toThrow('--overlap "90" is not a duration');
    expect(() => parseKeysArgs(['webhook-secret'])).toThrow('webhook-secret needs --tenant');
  });

  it('reads bind and reply-to with a list, or none to clear it', () => {
    expect(parseKeysArgs(['bind', '--tenant', 'acme', '--topics', 'sluice.requests.bulk.v1'])).toEqual({
      command: 'bind',
      tenant: 'acme',
      topics: ['sluice.requests.bulk.v1'],
    });
    expect(parseKeysArgs(['bind', '--tenant', 'acme', '--topics', 'none'])).toEqual({ command: 'bind', tenant: 'acme', topics: null });
    expect(parseKeysArgs(['reply-to', '--tenant', 'acme', '--prefixes', 'acme.,shared.acme.'])).toEqual({
      command: 'reply-to',
      tenant: 'acme',
      prefixes: ['acme.', 'shared.acme.'],
    });
    expect(() => parseKeysArgs(['bind', '--tenant', 'acme', '--topics', 'acme.requests'])).toThrow('is not an intake topic');
    expect(() => parseKeysArgs(['reply-to', '--tenant', 'acme', '--prefixes', 'sluice.results'])).toThrow('cannot start a replyTo topic');
    expect(() => parseKeysArgs(['reply-to', '--tenant', 'acme', '--prefixes', 'a,,b'])).toThrow('has an empty item');
    expect(() => parseKeysArgs(['bind', '--tenant', 'acme'])).toThrow('bind needs --topics');
  });

  it('answers help for nothing, help, --help and -h', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h']]) expect(parseKeysArgs(argv)).toEqual({ command: 'help' });
  });

  it.each([
    [['create'], 'needs --tenant'],
    [['create', '--tenant'], '--tenant needs a value'],
    [['create', '--tenant', 'Acme Corp'], 'is not a tenant id'],
    [['create', '--tenant', 'acme', 'extra'], 'unexpected argument'],
    [['create', '--tenant', 'acme', '--owner', 'me'], 'unknown option --owner'],
    [['revoke'], 'exactly one key prefix'],
    [['revoke', 'slc_0123456789ab_secretpart'], 'is not a key prefix'],
    [['list'], 'needs --tenant'],
    [['rotate'], 'unknown command "rotate"'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseKeysArgs(argv)).toThrow(UsageError);
    expect(() => parseKeysArgs(argv)).toThrow(message);
  });
});
