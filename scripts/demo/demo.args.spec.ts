import { UsageError } from '../../bench/replay/replay.options';
import { DEFAULT_DEMO_OPTIONS, parseDemoArgs } from './demo.args';

describe('parseDemoArgs', () => {
  it('runs the default demo with no options', () => {
    expect(parseDemoArgs([])).toEqual({ command: 'run', options: DEFAULT_DEMO_OPTIONS });
    expect(DEFAULT_DEMO_OPTIONS).toMatchObject({ requests: 300, speed: 1, seed: 1, waitS: 180, down: false });
  });

  it('reads every option', () => {
    const parsed = parseDemoArgs([
      '--requests',
      '50',
      '--speed',
      '2.5',
      '--seed',
      '7',
      '--mix',
      'interactive=1,minutes=1',
      '--embeddings',
      '0',
      '--wait',
      '30',
      '--down',
      '--rebuild',
    ]);
    expect(parsed).toEqual({
      command: 'run',
      options: {
        requests: 50,
        speed: 2.5,
        seed: 7,
        mix: { interactive: 0.5, minutes: 0.5, hours: 0 },
        embeddingShare: 0,
        waitS: 30,
        down: true,
        rebuild: true,
      },
    });
    expect(parseDemoArgs(['--help'])).toEqual({ command: 'help' });
  });

  it('names the option that is wrong', () => {
    expect(() => parseDemoArgs(['--requests', '0'])).toThrow(new UsageError('--requests needs a whole number >= 1, got "0"'));
    expect(() => parseDemoArgs(['--speed'])).toThrow('--speed needs a positive number, got ""');
    expect(() => parseDemoArgs(['--mix', 'later=1'])).toThrow(UsageError);
    expect(() => parseDemoArgs(['--embeddings', '2'])).toThrow('--embeddings needs a share between 0 and 1, got "2"');
    expect(() => parseDemoArgs(['--fast'])).toThrow('unknown option --fast');
  });
});
