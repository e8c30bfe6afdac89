import { ALL_TOPICS, isSluiceTopic, LaneTopics, messageKey, Topics } from './topics.registry';

describe('topics registry', () => {
  it('lists the eleven versioned topics exactly once', () => {
    expect([...ALL_TOPICS].sort()).toEqual(
      [
        'sluice.requests.v1',
        'sluice.requests.bulk.v1',
        'sluice.accepted.v1',
        'sluice.accepted.urgent.v1',
        'sluice.lane.realtime.v1',
        'sluice.lane.async.v1',
        'sluice.lane.batch.v1',
        'sluice.results.v1',
        'sluice.stream.v1',
        'sluice.events.v1',
        'sluice.dlq.v1',
      ].sort(),
    );
    expect(Topics.Requests).toBe('sluice.requests.v1');
    expect(Object.isFrozen(ALL_TOPICS)).toBe(true);
  });

  it('maps every routable lane to its topic', () => {
    expect(LaneTopics).toEqual({ realtime: Topics.LaneRealtime, async: Topics.LaneAsync, batch: Topics.LaneBatch });
  });

  it('keys messages by request id', () => {
    expect(messageKey('req-1')).toBe('req-1');
  });

  it('recognises its own topics', () => {
    expect(isSluiceTopic(Topics.Dlq)).toBe(true);
    expect(isSluiceTopic('acme.replies')).toBe(false);
  });
});
