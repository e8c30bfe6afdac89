import { OutageBoard } from './outage.board';

describe('OutageBoard', () => {
  let now = new Date('2030-01-01T00:00:00Z');
  const later = (ms: number): void => {
    now = new Date(now.getTime() + ms);
  };

  beforeEach(() => {
    now = new Date('2030-01-01T00:00:00Z');
  });

  it('is empty while nothing waits', () => {
    expect(new OutageBoard(() => now).report()).toEqual([]);
  });

  it('reports one entry per dependency: the oldest wait, the latest reason, how many wait', () => {
    const board = new OutageBoard(() => now);
    const [first, second, third] = [{}, {}, {}];
    board.waiting(first, 'the ledger database', 'ECONNREFUSED');
    later(1_000);
    board.waiting(second, 'the ledger database', 'not accepting connections');
    board.waiting(third, 'the Kafka broker', 'connection closed');
    later(1_000);
    // A wait repeated keeps when it began.
    board.waiting(first, 'the ledger database', 'still refused');

    expect(board.report()).toEqual([
      { dependency: 'the ledger database', reason: 'still refused', since: '2030-01-01T00:00:00.000Z', waiting: 2 },
      { dependency: 'the Kafka broker', reason: 'connection closed', since: '2030-01-01T00:00:01.000Z', waiting: 1 },
    ]);
  });

  it('empties as the waits are cleared, and a new wait starts its own clock', () => {
    const board = new OutageBoard(() => now);
    const run = {};
    board.waiting(run, 'the ledger database', 'down');
    board.cleared(run);
    expect(board.report()).toEqual([]);
    later(5_000);
    board.waiting(run, 'the ledger database', 'down again');
    expect(board.report()).toEqual([{ dependency: 'the ledger database', reason: 'down again', since: '2030-01-01T00:00:05.000Z', waiting: 1 }]);
  });

  it('starts the clock again when the same run waits for another dependency', () => {
    const board = new OutageBoard(() => now);
    const run = {};
    board.waiting(run, 'the ledger database', 'down');
    later(2_000);
    board.waiting(run, 'the Kafka broker', 'unreachable');
    expect(board.report()).toEqual([{ dependency: 'the Kafka broker', reason: 'unreachable', since: '2030-01-01T00:00:02.000Z', waiting: 1 }]);
  });
});
