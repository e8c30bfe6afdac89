import { UsageError, parseStackArgs } from './stack.args';

describe('parseStackArgs', () => {
  it('reads each command and its options', () => {
    expect(parseStackArgs(['up'])).toEqual({ command: 'up', fresh: false });
    expect(parseStackArgs(['up', '--fresh'])).toEqual({ command: 'up', fresh: true });
    expect(parseStackArgs(['down'])).toEqual({ command: 'down' });
    expect(parseStackArgs(['status', '--json'])).toEqual({ command: 'status', json: true });
    expect(parseStackArgs(['provision'])).toEqual({ command: 'provision', waitMs: 120_000 });
    expect(parseStackArgs(['provision', '--wait-ms', '5000'])).toEqual({ command: 'provision', waitMs: 5000 });
    expect(parseStackArgs([])).toEqual({ command: 'help' });
  });

  it.each([[['sideways']], [['up', '--fersh']], [['down', 'now']], [['provision', '--wait-ms', 'soon']], [['status', 'x']]])('rejects %j', (argv) => {
    expect(() => parseStackArgs(argv)).toThrow(UsageError);
  });
});
