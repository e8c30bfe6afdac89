import { ReplyTopics } from './reply-topics';

function lister(initial: string[]): { list: () => Promise<string[]>; topics: string[]; calls: () => number } {
  let calls = 0;
  const state = {
    topics: [...initial],
    list: async (): Promise<string[]> => {
      calls += 1;
      return [...state.topics];
    },
    calls: () => calls,
  };
  return state;
}

describe('ReplyTopics', () => {
  it('asks the broker once for a topic that exists', async () => {
    const broker = lister(['acme.replies']);
    const topics = new ReplyTopics(broker.list, 30_000, () => 0);
    expect(await topics.exists('acme.replies')).toBe(true);
    expect(await topics.exists('acme.replies')).toBe(true);
    expect(broker.calls()).toBe(1);
  });

  it('remembers a missing topic for the recheck interval, then finds it once created', async () => {
    const broker = lister([]);
    let now = 0;
    const topics = new ReplyTopics(broker.list, 30_000, () => now);
    expect(await topics.exists('acme.replies')).toBe(false);
    broker.topics.push('acme.replies');
    now = 29_999;
    expect(await topics.exists('acme.replies')).toBe(false);
    expect(broker.calls()).toBe(1);
    now = 30_000;
    expect(await topics.exists('acme.replies')).toBe(true);
    expect(broker.calls()).toBe(2);
  });
});
