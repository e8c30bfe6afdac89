/** One case of the bad-input corpus as the tally needs it (libs/testing's BadInputCase). */
export interface CorpusCase {
  kind: string;
  key?: string;
  requestId?: string;
  /** A case refused under an id Sluice derives is found by the correlation id it was sent with. */
  correlationId?: string;
  expect: { code: string; field?: string };
}

/** A refusal the bench read: a `rejected`/`failed` event (by request id, or correlation id under a derived id) or a dead letter (keyed as produced). */
export interface Refusal {
  key: string;
  via: 'event' | 'dlq';
  code: string;
  field?: string;
}

export interface CorpusFigures {
  kinds: number;
  /** Refused with the expected code (and field, when the corpus names one), the way the corpus expects: a rejected event when the request has a readable id, a dead letter otherwise. */
  asExpected: number;
  /** Refused, but not as expected: another code or field, or a dead letter where a rejection was due. */
  otherwise: Array<{ kind: string; expected: string; got: string }>;
  /** No refusal seen at all by the end of the drain. */
  unseen: string[];
}

const describe = (refusal: Refusal): string => `${refusal.via} ${refusal.code}${refusal.field === undefined ? '' : ` (${refusal.field})`}`;

/** How the corpus was refused, from the events and dead letters the bench read. */
export function tallyCorpus(cases: readonly CorpusCase[], refusals: readonly Refusal[]): CorpusFigures {
  const byKey = new Map<string, Refusal[]>();
  for (const refusal of refusals) byKey.set(refusal.key, [...(byKey.get(refusal.key) ?? []), refusal]);
  const otherwise: CorpusFigures['otherwise'] = [];
  const unseen: string[] = [];
  let asExpected = 0;
  for (const item of cases) {
    const key = item.requestId ?? item.correlationId ?? item.key;
    const seen = key === undefined ? [] : (byKey.get(key) ?? []);
    const via = item.requestId === undefined && item.correlationId === undefined ? 'dlq' : 'event';
    const expected: Refusal = { key: key ?? '', via, code: item.expect.code, field: item.expect.field };
    // A dead letter carries its code in a header but no field: the field is checked on rejected events only.
    const match = seen.find(
      (refusal) =>
        refusal.via === via && refusal.code === item.expect.code && (via === 'dlq' || item.expect.field === undefined || refusal.field === item.expect.field),
    );
    if (match !== undefined) asExpected += 1;
    else if (seen.length === 0) unseen.push(item.kind);
    else otherwise.push({ kind: item.kind, expected: describe(expected), got: seen.map(describe).join(', ') });
  }
  return { kinds: cases.length, asExpected, otherwise, unseen };
}
