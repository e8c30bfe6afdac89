import { startPacemaker } from './heartbeat.pacemaker';

describe('startPacemaker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('beats every interval until stopped', async () => {
    const heartbeat = jest.fn(() => Promise.resolve());
    const stop = startPacemaker(heartbeat, 100, () => undefined);
    await jest.advanceTimersByTimeAsync(350);
    expect(heartbeat).toHaveBeenCalledTimes(3);
    stop();
    await jest.advanceTimersByTimeAsync(500);
    expect(heartbeat).toHaveBeenCalledTimes(3);
  });

  it('skips a beat while the previous one is still pending', async () => {
    let finish: () => void = () => undefined;
    const heartbeat = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const stop = startPacemaker(heartbeat, 100, () => undefined);
    await jest.advanceTimersByTimeAsync(350);
    expect(heartbeat).toHaveBeenCalledTimes(1);
    finish();
    await jest.advanceTimersByTimeAsync(100);
    expect(heartbeat).toHaveBeenCalledTimes(2);
    stop();
  });

  it('reports a failing beat', async () => {
    const failure = new Error('The group is rebalancing');
    const onError = jest.fn();
    const stop = startPacemaker(() => Promise.reject(failure), 100, onError);
    await jest.advanceTimersByTimeAsync(100);
    expect(onError).toHaveBeenCalledWith(failure);
    stop();
  });
});
