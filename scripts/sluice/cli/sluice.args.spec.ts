import { DEFAULT_POLL_MS, DEFAULT_URL, defaultOutPath, parseSluiceArgs, UsageError } from './sluice.args';

const KEY = 'slc_0123456789ab_secretsecretsecretsecret';

describe('parseSluiceArgs', () => {
  it('reads submit with its file and options', () => {
    expect(
      parseSluiceArgs(
        [
          'submit',
          'requests.jsonl',
          '--deadline',
          '6h',
          '--mode',
          'auto',
          '--provider',
          'openai',
          '--operation',
          'embedding',
          '--url',
          'http://sluice:3000/',
          '--key',
          KEY,
          '--out',
          'out.jsonl',
          '--job-id',
          'nightly',
          '--poll',
          '500ms',
        ],
        {},
      ),
    ).toEqual({
      command: 'submit',
      options: {
        file: 'requests.jsonl',
        url: 'http://sluice:3000',
        key: KEY,
        out: 'out.jsonl',
        deadline: '6h',
        mode: 'auto',
        provider: 'openai',
        operation: 'embedding',
        jobId: 'nightly',
        pollMs: 500,
      },
    });
  });

  it('takes the key and URL from the environment, and defaults the rest', () => {
    expect(parseSluiceArgs(['submit', 'data/requests.jsonl'], { SLUICE_API_KEY: KEY })).toEqual({
      command: 'submit',
      options: { file: 'data/requests.jsonl', url: DEFAULT_URL, key: KEY, out: 'data/requests.results.jsonl', pollMs: DEFAULT_POLL_MS },
    });
    expect(parseSluiceArgs(['submit', 'r.jsonl', '--key', 'slc_other'], { SLUICE_API_KEY: KEY, SLUICE_URL: 'https://sluice.example.com' })).toMatchObject({
      options: { url: 'https://sluice.example.com', key: 'slc_other' },
    });
  });

  it('takes an empty variable for unset', () => {
    expect(parseSluiceArgs(['submit', 'r.jsonl', '--key', KEY], { SLUICE_URL: '' })).toMatchObject({ options: { url: DEFAULT_URL } });
    expect(() => parseSluiceArgs(['submit', 'r.jsonl'], { SLUICE_API_KEY: '' })).toThrow('an API key is needed');
  });

  it('accepts an ISO instant as the deadline', () => {
    expect(parseSluiceArgs(['submit', 'r.jsonl', '--deadline', '2030-01-01T06:00:00Z'], { SLUICE_API_KEY: KEY })).toMatchObject({
      options: { deadline: '2030-01-01T06:00:00Z' },
    });
  });

  it('answers help for nothing, help, --help and -h', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h'], ['submit', '--help']]) expect(parseSluiceArgs(argv, {})).toEqual({ command: 'help' });
  });

  it.each([
    [['upload', 'r.jsonl'], 'unknown command "upload"'],
    [['submit'], 'needs the JSONL file'],
    [['submit', 'a.jsonl', 'b.jsonl'], 'one file'],
    [['submit', 'r.jsonl', '--deadline', '6'], 'neither a duration'],
    [['submit', 'r.jsonl', '--deadline', '31d'], 'at most 30 days'],
    [['submit', 'r.jsonl', '--deadline'], 'argument missing'],
    [['submit', 'r.jsonl', '--mode', 'soon'], '--mode must be one of auto, realtime, async, batch'],
    [['submit', 'r.jsonl', '--provider', 'gemini'], '--provider must be one of'],
    [['submit', 'r.jsonl', '--url', 'localhost:3000'], '--url must be an http(s) URL'],
    [['submit', 'r.jsonl', '--job-id', 'has space'], '--job-id must be'],
    [['submit', 'r.jsonl', '--poll', '10ms'], '--poll must be a duration of at least 100ms'],
    [['submit', 'r.jsonl', '--deadlin', '6h'], "Unknown option '--deadlin'"],
  ])('refuses %j: %s', (argv, message) => {
    const parse = () => parseSluiceArgs(argv, { SLUICE_API_KEY: KEY });
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });

  it('refuses to go on without an API key', () => {
    expect(() => parseSluiceArgs(['submit', 'r.jsonl'], {})).toThrow('an API key is needed');
  });
});

describe('defaultOutPath', () => {
  it('puts the results next to the input', () => {
    expect(defaultOutPath('requests.jsonl')).toBe('requests.results.jsonl');
    expect(defaultOutPath('dir/corpus.ndjson')).toBe('dir/corpus.results.jsonl');
    expect(defaultOutPath('lines.txt')).toBe('lines.txt.results.jsonl');
  });
});

describe('parseSluiceArgs dlq', () => {
  const NOW = Date.parse('2030-03-01T12:00:00Z');
  const dlq = (...argv: string[]) => parseSluiceArgs(['dlq', ...argv], {}, NOW);

  it('reads list with every filter', () => {
    expect(
      dlq(
        'list',
        '--reason',
        'INVALID_JSON',
        '--tenant',
        'acme',
        '--topic',
        'sluice.requests.v1',
        '--since',
        '2h',
        '--until',
        '2030-03-01T11:30:00Z',
        '--limit',
        '5',
        '--json',
        '--all',
        '--dlq-topic',
        'my.dlq',
      ),
    ).toEqual({
      command: 'dlq',
      options: {
        action: 'list',
        dlqTopic: 'my.dlq',
        filter: { reason: 'INVALID_JSON', tenant: 'acme', topic: 'sluice.requests.v1', sinceMs: NOW - 7_200_000, untilMs: Date.parse('2030-03-01T11:30:00Z') },
        limit: 5,
        json: true,
        all: true,
        dryRun: false,
      },
    });
  });

  it('defaults to the shared dead-letter topic, no filter and no limit', () => {
    expect(dlq('replay')).toEqual({
      command: 'dlq',
      options: { action: 'replay', dlqTopic: 'sluice.dlq.v1', filter: {}, limit: undefined, json: false, all: false, dryRun: false },
    });
  });

  it('reads entries by partition/offset and --dry-run for drop', () => {
    expect(dlq('drop', '--entry', '0/17', '--entry', '2/0042', '--dry-run')).toMatchObject({
      options: {
        action: 'drop',
        filter: {
          entries: [
            { partition: 0, offset: '17' },
            { partition: 2, offset: '42' },
          ],
        },
        dryRun: true,
      },
    });
  });

  it('answers help for dlq alone and dlq <action> --help', () => {
    for (const argv of [['dlq'], ['dlq', '--help'], ['dlq', 'list', '-h']]) expect(parseSluiceArgs(argv, {})).toEqual({ command: 'help' });
  });

  it.each([
    [['purge'], 'dlq takes list, replay, drop, not "purge"'],
    [['drop'], 'dlq drop needs at least one filter'],
    [['drop', '--limit', '3'], 'dlq drop needs at least one filter'],
    [['list', '--reason', 'invalid json'], '--reason must be an error code'],
    [['list', '--since', 'yesterday'], '--since "yesterday" is neither'],
    [['list', '--until', '2030-03-01'], '--until "2030-03-01" is neither'],
    [['list', '--topic', 'a/b'], '--topic "a/b" is not a topic name'],
    [['list', '--dlq-topic', '..'], '--dlq-topic ".." is not a topic name'],
    [['list', '--entry', '17'], '--entry must be <partition>/<offset>'],
    [['list', '--limit', '0'], '--limit must be a positive whole number'],
    [['list', '--dry-run'], '--dry-run is for dlq replay and drop'],
    [['replay', '--json'], '--json is for dlq list'],
    [['drop', '--reason', 'X', '--all'], '--all is for dlq list'],
    [['list', 'extra'], "Unexpected argument 'extra'"],
  ])('refuses dlq %j: %s', (argv, message) => {
    const parse = () => dlq(...argv);
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });
});
