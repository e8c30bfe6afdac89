import { SharedHold } from './shared.hold';

async function outcomeOf(hold: SharedHold): Promise<string> {
  return Promise.race([hold.done, new Promise<string>((resolve) => setImmediate(() => resolve('pending')))]);
}

describe('SharedHold', () => {
  it('resolves durable once every message added was settled durable, not before', async () => {
    const hold = new SharedHold();
    hold.add();
    hold.add();
    hold.add();
    hold.settle('durable');
    hold.settle('durable');
    expect(await outcomeOf(hold)).toBe('pending');
    hold.settle('durable');
    expect(await outcomeOf(hold)).toBe('durable');
  });

  it('resolves handed-back when any of its messages was handed back', async () => {
    const hold = new SharedHold();
    hold.add();
    hold.add();
    hold.settle('handed-back');
    expect(await outcomeOf(hold)).toBe('pending');
    hold.settle('durable');
    expect(await outcomeOf(hold)).toBe('handed-back');
  });

  it('ignores settles beyond the messages added', async () => {
    const hold = new SharedHold();
    hold.add();
    hold.settle('durable');
    hold.settle('handed-back');
    expect(await hold.done).toBe('durable');
  });
});
