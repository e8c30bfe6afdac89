import { ArrivalLedger, rateOf } from './arrival.ledger';

const laneOf = (index: number): string => (index % 2 === 0 ? 'async' : 'batch');

describe('arrival ledger', () => {
  it('calls a run exactly once when every index came once, on its own topic', () => {
    const ledger = new ArrivalLedger(4);
    [0, 1, 2, 3].forEach((index) => ledger.record(index, laneOf(index), 100 + index));
    expect(ledger.complete).toBe(true);
    expect(ledger.verdict(laneOf)).toMatchObject({ arrived: 4, missing: 0, duplicates: 0, wrongPlace: 0, exactlyOnce: true, byPlace: { async: 2, batch: 2 } });
    expect([ledger.firstAt, ledger.lastAt]).toEqual([100, 103]);
  });

  it('names what is missing, counts repeats, wrong topics and strangers', () => {
    const ledger = new ArrivalLedger(5);
    ledger.record(0, 'async', 1);
    ledger.record(0, 'async', 2);
    ledger.record(1, 'async', 3);
    ledger.record(7, 'batch', 4);
    ledger.record(undefined, 'batch', 5);
    expect(ledger.complete).toBe(false);
    expect(ledger.verdict(laneOf)).toMatchObject({
      arrived: 2,
      missing: 3,
      duplicates: 1,
      wrongPlace: 1,
      unknown: 2,
      exactlyOnce: false,
      firstMissing: [2, 3, 4],
    });
    expect(ledger.lastAt).toBe(3);
  });

  it('rates from the first produce to the last arrival', () => {
    expect(rateOf(1_000, 10_000, 12_000)).toBe(500);
    expect(rateOf(0, 10_000, undefined)).toBeNull();
  });
});
