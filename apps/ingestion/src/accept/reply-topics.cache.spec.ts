import { absentTopics, refuseMissingReplyTopics, ReplyTopicsCache } from './reply-topics.cache';
import { KnownTopics } from '../../test/intake.fakes';

/** A cluster whose topics the test sets, counting the listings; a listing can be held open or made to fail. */
class Cluster {
  topics: string[] = [];
  reads = 0;
  failing = false;
  private held?: Promise<void>;
  private release?: () => void;

  list = async (): Promise<string[]> => {
    this.reads += 1;
    if (this.held) await this.held;
    if (this.failing) throw new Error('broker unavailable');
    return [...this.topics];
  };

  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  letGo(): void {
    this.held = undefined;
    this.release?.();
  }
}

function setUp(settings = { refreshMs: 30_000, recheckGapMs: 1_000 }) {
  const cluster = new Cluster();
  const logged: string[] = [];
  const log = (level: string) => (first: unknown, second?: string) => logged.push(`${level}: ${typeof first === 'string' ? first : second}`);
  let now = 0;
  const cache = new ReplyTopicsCache(cluster.list, settings, { warn: log('warn'), info: log('info') } as never, () => now);
  const advance = (ms: number) => (now += ms);
  return { cluster, cache, logged, advance };
}

const sorted = (topics: ReadonlySet<string>) => [...topics].sort();

describe('absentTopics', () => {
  it('names the topics not listed, and none when the list is unknown', () => {
    expect(sorted(absentTopics(new Set(['a', 'b']), ['a', 'c', 'd', 'c']))).toEqual(['c', 'd']);
    expect(sorted(absentTopics(undefined, ['a', 'c']))).toEqual([]);
  });
});

describe('refuseMissingReplyTopics', () => {
  type Item = { ok: true; replyTo?: string } | { ok: false; why: string };
  const refuse = (item: Item, error: { code: string }): Item => ({ ok: false, why: error.code });

  it('looks the batch up once and refuses only the admitted items naming a missing topic', async () => {
    const topics = new KnownTopics(['there']);
    const items: Item[] = [{ ok: true, replyTo: 'there' }, { ok: true, replyTo: 'gone' }, { ok: true }, { ok: false, why: 'invalid' }];
    const checked = await refuseMissingReplyTopics(topics, items, (item) => (item.ok ? item.replyTo : undefined), refuse);

    expect(checked).toEqual([{ ok: true, replyTo: 'there' }, { ok: false, why: 'REPLY_TO_NOT_FOUND' }, { ok: true }, { ok: false, why: 'invalid' }]);
    expect(topics.lookups).toEqual([['there', 'gone']]);
  });

  it('asks nothing for a batch naming no replyTo', async () => {
    const topics = new KnownTopics([]);
    await refuseMissingReplyTopics(topics, [{ ok: true }] as Item[], (item) => (item.ok ? item.replyTo : undefined), refuse);

    expect(topics.lookups).toEqual([]);
  });
});

describe('ReplyTopicsCache', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers listed topics from memory, and picks up deletions at the next refresh', async () => {
    const { cluster, cache } = setUp();
    cluster.topics = ['acme.replies'];
    await cache.start();

    for (let i = 0; i < 100; i += 1) expect(sorted(await cache.missing(['acme.replies']))).toEqual([]);
    expect(cluster.reads).toBe(1);

    cluster.topics = [];
    await jest.advanceTimersByTimeAsync(30_000);
    expect(cluster.reads).toBe(2);
    cache.stop();
  });

  it('reads the list again once for a batch naming a topic not in it, so a topic created a moment ago is taken', async () => {
    const { cluster, cache, advance } = setUp();
    await cache.start();
    advance(1_000);
    cluster.topics = ['acme.new'];

    expect(sorted(await cache.missing(['acme.new', 'acme.nowhere', 'acme.nor-here']))).toEqual(['acme.nor-here', 'acme.nowhere']);
    expect(cluster.reads).toBe(2);
    cache.stop();
  });

  it('reads again for a topic not listed at most once per gap, and batches meanwhile join the read under way', async () => {
    const { cluster, cache, advance } = setUp();
    await cache.start();
    advance(1_000);
    cluster.hold();
    const first = cache.missing(['acme.a']);
    const second = cache.missing(['acme.b']);
    cluster.topics = ['acme.b'];
    cluster.letGo();

    expect(sorted(await first)).toEqual(['acme.a']);
    expect(sorted(await second)).toEqual([]);
    expect(cluster.reads).toBe(2);

    cluster.topics = ['acme.b', 'acme.a'];
    advance(999);
    expect(sorted(await cache.missing(['acme.a']))).toEqual(['acme.a']);
    expect(cluster.reads).toBe(2);
    advance(1);
    expect(sorted(await cache.missing(['acme.a']))).toEqual([]);
    expect(cluster.reads).toBe(3);
    cache.stop();
  });

  it('refuses nothing while the list cannot be read, logs that once, and refuses again once it can', async () => {
    const { cluster, cache, logged, advance } = setUp();
    cluster.failing = true;
    await cache.start();

    expect(sorted(await cache.missing(['acme.nowhere']))).toEqual([]);
    await jest.advanceTimersByTimeAsync(30_000);
    advance(30_000);
    expect(sorted(await cache.missing(['acme.nowhere']))).toEqual([]);
    expect(cluster.reads).toBe(2);
    expect(logged).toEqual([expect.stringMatching(/^warn: the topic list cannot be read/)]);

    cluster.failing = false;
    await jest.advanceTimersByTimeAsync(30_000);
    expect(sorted(await cache.missing(['acme.nowhere']))).toEqual(['acme.nowhere']);
    expect(logged).toEqual([expect.stringMatching(/^warn: /), expect.stringMatching(/^info: the topic list can be read again/)]);

    // A read prompted by a missing topic that fails takes that topic too.
    advance(1_000);
    cluster.failing = true;
    expect(sorted(await cache.missing(['acme.nowhere']))).toEqual([]);
    cache.stop();
  });
});
