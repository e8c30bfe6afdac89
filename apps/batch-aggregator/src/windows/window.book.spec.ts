import { LaneRequestV1, validateMessage } from '@sluice/contracts';
import { sampleLaneRequest, sampleRequest } from '@sluice/contracts/testing/message.samples';
import { itemKey, type WindowEntry, type WindowKey, type WindowLimits } from './batch-window';
import { type NewEntry, WindowBook } from './window.book';

const HOUR = 3_600_000;
const NOW = Date.parse('2030-01-01T00:00:00Z');

function laneRequest(id: string, request: Record<string, unknown> = {}, attempt = 1): LaneRequestV1 {
  const plain = sampleLaneRequest({ request: sampleRequest({ id, ...request }) });
  const checked = validateMessage(LaneRequestV1, { ...plain, routing: { ...(plain.routing as object), attempt } });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
}

function entry(
  id: string,
  options: { bytes?: number; inputs?: number; deadlineMs?: number; request?: Record<string, unknown>; attempt?: number } = {},
): NewEntry {
  return {
    laneRequest: laneRequest(id, options.request, options.attempt),
    bytes: options.bytes ?? 100,
    inputs: options.inputs ?? 1,
    deadlineMs: options.deadlineMs ?? NOW + 24 * HOUR,
  };
}

function adoptedEntry(id: string, options: { bytes?: number; deadlineMs?: number; customId?: string } = {}): WindowEntry {
  return {
    itemKey: itemKey('acme', id, 1),
    tenant: 'acme',
    requestId: id,
    attempt: 1,
    customId: options.customId ?? id,
    bytes: options.bytes ?? 100,
    inputs: 1,
    deadlineMs: options.deadlineMs ?? NOW + 24 * HOUR,
  };
}

const MINI: WindowKey = { provider: 'openai', operation: 'chat', model: 'gpt-4o-mini' };

function chatBody(model: string): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: 'Hello' }] };
}

function windowIds(): () => string {
  let next = 0;
  return () => `window-${(next += 1)}`;
}

const LIMITS: WindowLimits = { maxRequests: 3, maxBytes: 1_000, maxInputs: null, maxAgeMs: 60_000, completionEstimateMs: 6 * HOUR };

describe('WindowBook', () => {
  it('closes a window the moment it reaches the request limit', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    expect(book.add(entry('a'), NOW)).toMatchObject({ closed: [], window: { id: 'window-1' }, entry: { customId: 'a', requestId: 'a', attempt: 1 } });
    book.add(entry('b'), NOW);
    const third = book.add(entry('c'), NOW);
    expect(third.closed.map(({ id, size, bytes, reason }) => [id, size, bytes, reason])).toEqual([['window-1', 3, 300, 'count']]);
    expect(book.windows).toBe(0);
  });

  it('closes the window a line does not fit into and opens the next with it', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    book.add(entry('a', { bytes: 600 }), NOW);
    const outcome = book.add(entry('b', { bytes: 500 }), NOW);
    expect(outcome.closed.map(({ id, size, bytes, reason }) => [id, size, bytes, reason])).toEqual([['window-1', 1, 600, 'bytes']]);
    expect(outcome.window.id).toBe('window-2');
    expect(book.waiting).toBe(1);
  });

  it('counts embedding inputs against their own limit', () => {
    const book = new WindowBook(() => ({ ...LIMITS, maxRequests: 100, maxInputs: 10 }), windowIds());
    book.add(entry('a', { inputs: 8 }), NOW);
    const outcome = book.add(entry('b', { inputs: 3 }), NOW);
    expect(outcome.closed.map(({ reason }) => reason)).toEqual(['inputs']);
  });

  it('keeps one window per provider, operation and model', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    book.add(entry('a'), NOW);
    book.add(entry('b', { request: { body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] } } }), NOW);
    book.add(entry('c', { request: { operation: 'embedding', body: { model: 'text-embedding-3-small', input: 'x' } } }), NOW);
    expect(book.windows).toBe(3);
  });

  it('closes windows by age and by earliest deadline less the turnaround, and says when the next is due', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    book.add(entry('old'), NOW);
    book.add(
      entry('urgent', { request: { body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] } }, deadlineMs: NOW + 6 * HOUR + 30_000 }),
      NOW + 10_000,
    );
    expect(book.nextDueAtMs()).toBe(NOW + 30_000);
    expect(book.closeDue(NOW + 29_999)).toEqual([]);
    expect(book.closeDue(NOW + 30_000).map(({ key, reason, earliestDeadlineMs }) => [key.model, reason, earliestDeadlineMs])).toEqual([
      ['gpt-4o', 'deadline', NOW + 6 * HOUR + 30_000],
    ]);
    expect(book.closeDue(NOW + 60_000).map(({ key, reason }) => [key.model, reason])).toEqual([['gpt-4o-mini', 'age']]);
    expect(book.nextDueAtMs()).toBeUndefined();
  });

  it('keeps a window whose deadline is already too near for the turnaround open a moment, so a burst shares one batch', () => {
    const book = new WindowBook(() => ({ ...LIMITS, maxRequests: 10 }), windowIds());
    book.add(entry('late-1', { deadlineMs: NOW + HOUR }), NOW);
    expect(book.nextDueAtMs()).toBe(NOW + 1_000);
    book.add(entry('late-2', { deadlineMs: NOW + HOUR }), NOW + 500);
    expect(book.closeDue(NOW + 999)).toEqual([]);
    expect(book.closeDue(NOW + 1_000).map(({ size, reason }) => [size, reason])).toEqual([[2, 'deadline']]);
  });

  it('gives a redelivered lane message the entry already waiting instead of adding it twice', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    const first = book.add(entry('a'), NOW);
    const again = book.add(entry('a'), NOW);
    expect(first.joined).toBe(false);
    expect(again).toMatchObject({ closed: [], window: { id: 'window-1' }, joined: true });
    expect(again.entry).toBe(first.entry);
    expect(book.waiting).toBe(1);
  });

  it('holds an entry while its window is open, and not once the window has closed', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    const first = book.add(entry('a'), NOW);
    expect(book.holds(first.entry)).toBe(true);
    expect(book.holds({ ...first.entry })).toBe(false);
    book.add(entry('b'), NOW);
    expect(book.add(entry('c'), NOW).closed).toHaveLength(1);
    expect(book.holds(first.entry)).toBe(false);
  });

  it('gives a second request with the same id (another tenant, another attempt) a digest custom id', () => {
    const book = new WindowBook(() => ({ ...LIMITS, maxRequests: 10 }), windowIds());
    const ids = [
      book.add(entry('same'), NOW),
      book.add(entry('same', { request: { tenant: 'globex' } }), NOW),
      book.add(entry('same', { attempt: 2 }), NOW),
    ].map((added) => added.entry.customId);
    expect(ids[0]).toBe('same');
    expect(new Set(ids).size).toBe(3);
    for (const id of ids.slice(1)) expect(id).toMatch(/^x_[A-Za-z0-9_-]{43}$/);
  });

  it('adopts a window of an earlier run under its id, keeping its custom ids and age, and fills it further', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    expect(book.adopt({ id: 'earlier', key: MINI, openedAtMs: NOW - 50_000, entries: [adoptedEntry('a', { customId: 'custom-a' })] })).toEqual([]);
    expect(book.waiting).toBe(1);
    expect(book.nextDueAtMs()).toBe(NOW + 10_000);
    const added = book.add(entry('b'), NOW);
    expect(added.window.id).toBe('earlier');
    expect(added.window.usesCustomId('custom-a')).toBe(true);
    expect(book.add(entry('c'), NOW).closed.map(({ id, size, reason }) => [id, size, reason])).toEqual([['earlier', 3, 'count']]);
  });

  it('closes an adopted window at once when it is already at a limit', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    const entries = ['a', 'b', 'c', 'd'].map((id) => adoptedEntry(id));
    expect(book.adopt({ id: 'earlier', key: MINI, openedAtMs: NOW, entries }).map(({ id, size, reason }) => [id, size, reason])).toEqual([
      ['earlier', 4, 'count'],
    ]);
    expect(book.windows).toBe(0);
  });

  it('of two adopted windows of one key keeps the newer open and closes the older, which had been closed before the restart', () => {
    const book = new WindowBook(() => LIMITS, windowIds());
    expect(book.adopt({ id: 'newer', key: MINI, openedAtMs: NOW - 1_000, entries: [adoptedEntry('b')] })).toEqual([]);
    const closed = book.adopt({ id: 'older', key: MINI, openedAtMs: NOW - 90_000, entries: [adoptedEntry('a', { bytes: 700 })] });
    expect(closed.map(({ id, size, bytes, reason }) => [id, size, bytes, reason])).toEqual([['older', 1, 700, 'restart']]);
    expect(book.add(entry('c'), NOW).window.id).toBe('newer');
  });

  it('takes out the requests the batch lane can no longer answer in time', () => {
    const book = new WindowBook(() => ({ ...LIMITS, maxRequests: 10 }), windowIds());
    book.add(entry('soon', { deadlineMs: NOW + 50_000 }), NOW);
    book.add(entry('later', { deadlineMs: NOW + 24 * HOUR }), NOW);
    expect(book.takeNearDeadline(NOW, 60_000).map(({ windowId, entry }) => [windowId, entry.customId])).toEqual([['window-1', 'soon']]);
    expect(book.waiting).toBe(1);
    expect(book.nextDueAtMs()).toBe(NOW + 60_000);
    expect(book.takeNearDeadline(NOW, 60_000)).toEqual([]);
  });

  it('closes the largest window early when all open windows together reach the most requests kept waiting', () => {
    const book = new WindowBook(() => ({ ...LIMITS, maxRequests: 10 }), windowIds(), 4);
    book.add(entry('a1', { request: { body: chatBody('gpt-4o-mini') } }), NOW);
    book.add(entry('a2', { request: { body: chatBody('gpt-4o-mini') } }), NOW);
    book.add(entry('a3', { request: { body: chatBody('gpt-4o-mini') } }), NOW);
    book.add(entry('b1', { request: { body: chatBody('gpt-4o') } }), NOW);
    expect(book.waiting).toBe(4);
    const added = book.add(entry('b2', { request: { body: chatBody('gpt-4o') } }), NOW);
    expect(added.closed.map(({ id, size, reason }) => [id, size, reason])).toEqual([['window-1', 3, 'waiting']]);
    expect(book.waiting).toBe(2);
    expect(book.add(entry('a4', { request: { body: chatBody('gpt-4o-mini') } }), NOW).window.id).toBe('window-3');
  });
});
