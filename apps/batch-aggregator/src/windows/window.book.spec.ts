import { LaneRequestV1, validateMessage } from '@sluice/contracts';
import { sampleLaneRequest, sampleRequest } from '@sluice/contracts/testing/message.samples';
import type { WindowLimits } from './batch-window';
import { type NewEntry, WindowBook } from './window.book';

const HOUR = 3_600_000;
const NOW = Date.parse('2030-01-01T00:00:00Z');

function laneRequest(id: string, request: Record<string, unknown> = {}, attempt = 1): LaneRequestV1 {
  const plain = sampleLaneRequest({ request: sampleRequest({ id, ...request }) });
  const checked = validateMessage(LaneRequestV1, { ...plain, routing: { ...(plain.routing as object), attempt } });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
}

function entry(id: string, options: { bytes?: number; inputs?: number; deadlineMs?: number; request?: Record<string, unknown>; attempt?: number } = {}): NewEntry<string> {
  return {
    laneRequest: laneRequest(id, options.request, options.attempt),
    bytes: options.bytes ?? 100,
    inputs: options.inputs ?? 1,
    deadlineMs: options.deadlineMs ?? NOW + 24 * HOUR,
    hold: `hold-${id}`,
  };
}

function windowIds(): () => string {
  let next = 0;
  return () => `window-${(next += 1)}`;
}

const LIMITS: WindowLimits = { maxRequests: 3, maxBytes: 1_000, maxInputs: null, maxAgeMs: 60_000, completionEstimateMs: 6 * HOUR };

describe('WindowBook', () => {
  it('closes a window the moment it reaches the request limit', () => {
    const book = new WindowBook<string>(() => LIMITS, windowIds());
    expect(book.add(entry('a'), NOW)).toMatchObject({ joined: false, closed: [], window: { id: 'window-1' }, entry: { customId: 'a', requestId: 'a', attempt: 1 } });
    book.add(entry('b'), NOW);
    const third = book.add(entry('c'), NOW);
    expect(third.closed.map(({ window, reason }) => [window.id, window.size, reason])).toEqual([['window-1', 3, 'count']]);
    expect(book.windows).toBe(0);
  });

  it('closes the window a line does not fit into and opens the next with it', () => {
    const book = new WindowBook<string>(() => LIMITS, windowIds());
    book.add(entry('a', { bytes: 600 }), NOW);
    const outcome = book.add(entry('b', { bytes: 500 }), NOW);
    expect(outcome.closed.map(({ window, reason }) => [[...window.entries()].map((e) => e.customId), reason])).toEqual([[['a'], 'bytes']]);
    expect(outcome.window.id).toBe('window-2');
    expect(book.waiting).toBe(1);
  });

  it('counts embedding inputs against their own limit', () => {
    const book = new WindowBook<string>(() => ({ ...LIMITS, maxRequests: 100, maxInputs: 10 }), windowIds());
    book.add(entry('a', { inputs: 8 }), NOW);
    const outcome = book.add(entry('b', { inputs: 3 }), NOW);
    expect(outcome.closed.map(({ reason }) => reason)).toEqual(['inputs']);
  });

  it('keeps one window per provider, operation and model', () => {
    const book = new WindowBook<string>(() => LIMITS, windowIds());
    book.add(entry('a'), NOW);
    book.add(entry('b', { request: { body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] } } }), NOW);
    book.add(entry('c', { request: { operation: 'embedding', body: { model: 'text-embedding-3-small', input: 'x' } } }), NOW);
    expect(book.windows).toBe(3);
  });

  it('closes windows by age and by earliest deadline less the turnaround, and says when the next is due', () => {
    const book = new WindowBook<string>(() => LIMITS, windowIds());
    book.add(entry('old'), NOW);
    book.add(entry('urgent', { request: { body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] } }, deadlineMs: NOW + 6 * HOUR + 30_000 }), NOW + 10_000);
    expect(book.nextDueAtMs()).toBe(NOW + 30_000);
    expect(book.closeDue(NOW + 29_999)).toEqual([]);
    expect(book.closeDue(NOW + 30_000).map(({ window, reason }) => [window.key.model, reason])).toEqual([['gpt-4o', 'deadline']]);
    expect(book.closeDue(NOW + 60_000).map(({ window, reason }) => [window.key.model, reason])).toEqual([['gpt-4o-mini', 'age']]);
    expect(book.nextDueAtMs()).toBeUndefined();
  });

  it('keeps a window whose deadline is already too near for the turnaround open a moment, so a burst shares one batch', () => {
    const book = new WindowBook<string>(() => ({ ...LIMITS, maxRequests: 10 }), windowIds());
    book.add(entry('late-1', { deadlineMs: NOW + HOUR }), NOW);
    expect(book.nextDueAtMs()).toBe(NOW + 1_000);
    book.add(entry('late-2', { deadlineMs: NOW + HOUR }), NOW + 500);
    expect(book.closeDue(NOW + 999)).toEqual([]);
    expect(book.closeDue(NOW + 1_000).map(({ window, reason }) => [window.size, reason])).toEqual([[2, 'deadline']]);
  });

  it('lets a redelivered lane message join the entry already waiting instead of adding it twice', () => {
    const book = new WindowBook<string>(() => LIMITS, windowIds());
    book.add(entry('a'), NOW);
    expect(book.add({ ...entry('a'), hold: 'second-delivery' }, NOW)).toMatchObject({ joined: true, closed: [], window: { id: 'window-1' } });
    const [closed] = book.drain();
    expect([...closed!.window.entries()].map((e) => e.holds)).toEqual([['hold-a', 'second-delivery']]);
  });

  it('gives a second request with the same id (another tenant, another attempt) a digest custom id', () => {
    const book = new WindowBook<string>(() => ({ ...LIMITS, maxRequests: 10 }), windowIds());
    book.add(entry('same'), NOW);
    book.add(entry('same', { request: { tenant: 'globex' } }), NOW);
    book.add(entry('same', { attempt: 2 }), NOW);
    const ids = [...book.drain()[0]!.window.entries()].map((e) => e.customId);
    expect(ids[0]).toBe('same');
    expect(new Set(ids).size).toBe(3);
    for (const id of ids.slice(1)) expect(id).toMatch(/^x_[A-Za-z0-9_-]{43}$/);
  });

  it('takes out the requests the batch lane can no longer answer in time', () => {
    const book = new WindowBook<string>(() => ({ ...LIMITS, maxRequests: 10 }), windowIds());
    book.add(entry('soon', { deadlineMs: NOW + 50_000 }), NOW);
    book.add(entry('later', { deadlineMs: NOW + 24 * HOUR }), NOW);
    expect(book.takeNearDeadline(NOW, 60_000).map(({ windowId, entry }) => [windowId, entry.customId])).toEqual([['window-1', 'soon']]);
    expect(book.waiting).toBe(1);
    expect(book.nextDueAtMs()).toBe(NOW + 60_000);
    expect(book.takeNearDeadline(NOW, 60_000)).toEqual([]);
  });
});
