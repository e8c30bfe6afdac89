import { deadlineOf } from './batch.deadline';

const created = new Date('2030-01-01T00:00:00Z');

describe("a facade batch's deadline", () => {
  it('is its completion window, 24 h, unless metadata.sluice_deadline says otherwise', () => {
    expect(deadlineOf(undefined, created)).toEqual(new Date('2030-01-02T00:00:00Z'));
    expect(deadlineOf('2h', created)).toEqual(new Date('2030-01-01T02:00:00Z'));
    expect(deadlineOf('2030-01-01T06:00:00Z', created)).toEqual(new Date('2030-01-01T06:00:00Z'));
  });

  it('is refused when sluice_deadline is neither a duration nor an instant', () => {
    expect(deadlineOf('tomorrow', created)).toBeUndefined();
    expect(deadlineOf('0s', created)).toBeUndefined();
  });
});
