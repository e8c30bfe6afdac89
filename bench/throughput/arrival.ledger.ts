/** What a run's readers saw of messages 0..expected-1, judged without any of Sluice's code. */
export interface ArrivalVerdict {
  expected: number;
  /** Distinct indexes that arrived at least once. */
  arrived: number;
  missing: number;
  /** Arrivals beyond the first of an index. */
  duplicates: number;
  /** Indexes whose first arrival was on another topic than the plan says. */
  wrongPlace: number;
  /** Arrivals whose index is outside the run (a key of the run's prefix that it never produced). */
  unknown: number;
  exactlyOnce: boolean;
  /** The first few missing indexes, to look up. */
  firstMissing: number[];
  byPlace: Record<string, number>;
}

/**
 * Counts arrivals per message index: exactly once means every index arrived, none twice, each at the
 * place the plan sent it. Counts saturate at 255 per index; one byte each keeps a million cheap.
 */
export class ArrivalLedger {
  private readonly counts: Uint8Array;
  private readonly places: Uint8Array;
  private readonly placeNames: string[] = [];
  private distinct = 0;
  private duplicates = 0;
  private unknown = 0;
  firstAt: number | undefined;
  lastAt: number | undefined;

  constructor(readonly expected: number) {
    this.counts = new Uint8Array(expected);
    this.places = new Uint8Array(expected);
  }

  get arrived(): number {
    return this.distinct;
  }

  get complete(): boolean {
    return this.distinct === this.expected;
  }

  /** Records an arrival of `index` at `place` (a topic) at `at`; index undefined or out of range counts as unknown. */
  record(index: number | undefined, place: string, at: number): void {
    if (index === undefined || !Number.isInteger(index) || index < 0 || index >= this.expected) {
      this.unknown += 1;
      return;
    }
    const count = this.counts[index] as number;
    if (count === 0) {
      this.distinct += 1;
      this.places[index] = this.placeCode(place);
      this.firstAt = this.firstAt === undefined ? at : Math.min(this.firstAt, at);
      this.lastAt = this.lastAt === undefined ? at : Math.max(this.lastAt, at);
    } else {
      this.duplicates += 1;
    }
    if (count < 255) this.counts[index] = count + 1;
  }

  verdict(expectedPlace: (index: number) => string): ArrivalVerdict {
    const firstMissing: number[] = [];
    const byPlace: Record<string, number> = {};
    let wrongPlace = 0;
    for (let index = 0; index < this.expected; index += 1) {
      if (this.counts[index] === 0) {
        if (firstMissing.length < 10) firstMissing.push(index);
        continue;
      }
      const place = this.placeNames[(this.places[index] as number) - 1] as string;
      byPlace[place] = (byPlace[place] ?? 0) + 1;
      if (place !== expectedPlace(index)) wrongPlace += 1;
    }
    const missing = this.expected - this.distinct;
    return {
      expected: this.expected,
      arrived: this.distinct,
      missing,
      duplicates: this.duplicates,
      wrongPlace,
      unknown: this.unknown,
      exactlyOnce: missing === 0 && this.duplicates === 0 && wrongPlace === 0 && this.unknown === 0,
      firstMissing,
      byPlace,
    };
  }

  private placeCode(place: string): number {
    let code = this.placeNames.indexOf(place);
    if (code === -1) {
      this.placeNames.push(place);
      code = this.placeNames.length - 1;
    }
    return code + 1;
  }
}

/** Messages per second from the first produce to the last arrival; null when nothing arrived. */
export function rateOf(count: number, firstProducedAt: number, lastArrivedAt: number | undefined): number | null {
  if (lastArrivedAt === undefined || count === 0) return null;
  const seconds = Math.max(lastArrivedAt - firstProducedAt, 1) / 1000;
  return Math.round(count / seconds);
}
