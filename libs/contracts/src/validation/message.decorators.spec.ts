import { isISO8601 } from 'class-validator';
import { INSTANT_PATTERN } from '../common/patterns';
import { isInstant } from './message.decorators';

// What isInstant was before it had a shortcut, and must stay: the shortcut may only save time.
const reference = (text: string): boolean => INSTANT_PATTERN.test(text) && isISO8601(text, { strict: true, strictSeparator: true });

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function disagreements(texts: Iterable<string>): string[] {
  const found: string[] = [];
  for (const text of texts) if (isInstant(text) !== reference(text)) found.push(`${text}: ${String(isInstant(text))}`);
  return found;
}

describe('isInstant', () => {
  const years = [0, 1, 99, 100, 400, 999, 1000, 1582, 1600, 1700, 1899, 1900, 1970, 2000, 2023, 2024, 2030, 2100, 2400, 9999];
  const calendar = years.flatMap((y) => range(0, 13).flatMap((m) => range(0, 32).map((d) => `${pad(y, 4)}-${pad(m)}-${pad(d)}T12:34:56Z`)));

  it('agrees with validator.js on every month and day of years around each calendar rule', () => {
    expect(calendar.filter(reference).length).toBeGreaterThan(5000);
    expect(disagreements(calendar)).toEqual([]);
  });

  it('agrees on every time of day, hour 24 and leap seconds included', () => {
    const texts = range(0, 25).flatMap((h) => range(0, 61).flatMap((m) => range(0, 61).map((s) => `2030-06-15T${pad(h)}:${pad(m)}:${pad(s)}.5+01:00`)));
    expect(disagreements(texts)).toEqual([]);
  });

  it('agrees on offsets and fractions', () => {
    const offsets = [
      'Z',
      'z',
      '',
      '+01',
      '+0100',
      '+01:0',
      ...['+', '-', '−'].flatMap((sign) => range(0, 25).flatMap((h) => range(0, 61).map((m) => `${sign}${pad(h)}:${pad(m)}`))),
    ];
    const fractions = ['', '.', '.5', ',5', '.123456789', '.1234567890', '.12a', '.٣'];
    const texts = fractions.flatMap((f) => offsets.map((o) => `2030-01-31T23:59:59${f}${o}`));
    expect(disagreements(texts)).toEqual([]);
  });

  it('agrees on random edits of valid instants', () => {
    // A fixed seed: a failure names the text, and the run can be repeated.
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = '0123456789--::TtZz+. ,W٣\u0000';
    const bases = ['2030-01-31T23:59:59.999Z', '2024-02-29T00:00:00+05:30', '1000-01-01T00:00:00-23:59', '9999-12-31T23:59:59.123456789Z'];
    const texts: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const chars = [...bases[random(bases.length)]];
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(chars.length + 1);
        const what = random(3);
        if (what === 0) chars.splice(at, 1);
        else if (what === 1) chars.splice(at, 0, alphabet[random(alphabet.length)]);
        else chars[at] = alphabet[random(alphabet.length)];
      }
      texts.push(chars.join(''));
    }
    expect(texts.filter(reference).length).toBeGreaterThan(1000);
    expect(disagreements(texts)).toEqual([]);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 0, new Date(), ['2030-01-01T00:00:00Z'], { toString: () => '2030-01-01T00:00:00Z' }]) {
      expect(isInstant(value)).toBe(false);
    }
  });
});
