import { planConsumerGroups, selectConsumerGroups } from './sluice-kafka.patterns';

describe('planConsumerGroups', () => {
  it('puts handlers without a group in the service group and each named group in <groupId>.<group>', () => {
    const plans = planConsumerGroups('sluice-router', [
      { topic: 'a', extras: undefined },
      { topic: 'b', extras: { batch: true, group: 'urgent', maxBatchSize: 200 } },
      { topic: 'c', extras: {} },
      { topic: 'd', extras: { batch: true, group: 'bulk', deferrable: true, maxBatchBytes: 65_536 } },
    ]);
    expect(plans).toEqual([
      { suffix: undefined, groupId: 'sluice-router', topics: ['a', 'c'], batch: false, deferrable: false, maxBatchSize: undefined },
      { suffix: 'urgent', groupId: 'sluice-router.urgent', topics: ['b'], batch: true, deferrable: false, maxBatchSize: 200 },
      { suffix: 'bulk', groupId: 'sluice-router.bulk', topics: ['d'], batch: true, deferrable: true, maxBatchSize: undefined, maxBatchBytes: 65_536 },
    ]);
  });

  it('refuses a group that mixes batch and per-message handlers', () => {
    expect(() =>
      planConsumerGroups('g', [
        { topic: 'a', extras: { batch: true } },
        { topic: 'b', extras: {} },
      ]),
    ).toThrow('consumer group g mixes batch and per-message handlers (a, b)');
  });

  it('refuses handlers of one group that disagree on maxBatchSize', () => {
    expect(() =>
      planConsumerGroups('g', [
        { topic: 'a', extras: { batch: true, group: 'x', maxBatchSize: 10 } },
        { topic: 'b', extras: { batch: true, group: 'x' } },
      ]),
    ).toThrow('consumer group g.x: handlers of a, b disagree on maxBatchSize');
    expect(() =>
      planConsumerGroups('g', [
        { topic: 'a', extras: { batch: true, maxBatchBytes: 1_000 } },
        { topic: 'b', extras: { batch: true, maxBatchBytes: 2_000 } },
      ]),
    ).toThrow('consumer group g: handlers of a, b disagree on maxBatchBytes');
  });

  it('refuses handlers of one group that disagree on deferrable', () => {
    expect(() =>
      planConsumerGroups('g', [
        { topic: 'a', extras: { batch: true, deferrable: true } },
        { topic: 'b', extras: { batch: true } },
      ]),
    ).toThrow('consumer group g: handlers of a, b disagree on deferrable');
  });

  it.each([
    [{ batch: 'yes' }, 'extras.batch must be a boolean'],
    [{ deferrable: 1 }, 'extras.deferrable must be a boolean'],
    [{ group: 'no spaces' }, 'extras.group must match'],
    [{ batch: true, maxBatchSize: 0 }, 'extras.maxBatchSize must be a positive integer'],
    [{ batch: true, maxBatchBytes: 1.5 }, 'extras.maxBatchBytes must be a positive integer'],
    ['urgent', 'extras must be an object'],
  ])('refuses extras %p', (extras, message) => {
    expect(() => planConsumerGroups('g', [{ topic: 't', extras }])).toThrow(message);
  });
});

describe('selectConsumerGroups', () => {
  const plans = planConsumerGroups('sluice-router', [
    { topic: 'sluice.accepted.v1', extras: { batch: true } },
    { topic: 'sluice.accepted.urgent.v1', extras: { batch: true, group: 'urgent' } },
  ]);

  it('runs every group unless told otherwise', () => {
    expect(selectConsumerGroups(plans, undefined).map((plan) => plan.groupId)).toEqual(['sluice-router', 'sluice-router.urgent']);
  });

  it('names the service group main and the others by suffix', () => {
    expect(selectConsumerGroups(plans, ['urgent']).map((plan) => plan.groupId)).toEqual(['sluice-router.urgent']);
    expect(selectConsumerGroups(plans, ['main']).map((plan) => plan.groupId)).toEqual(['sluice-router']);
  });

  it('refuses a group the service does not have, naming the ones it has', () => {
    expect(() => selectConsumerGroups(plans, ['bulk'])).toThrow("no consumer group named [bulk]: this service's groups are [main, urgent]");
  });
});
