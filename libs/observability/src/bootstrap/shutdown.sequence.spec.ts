import { runShutdown } from './shutdown.sequence';

describe('runShutdown', () => {
  it('runs the steps in order, each after the previous one finished', async () => {
    const order: string[] = [];
    const outcome = await runShutdown(
      [
        {
          name: 'consumer',
          run: async () => {
            await Promise.resolve();
            order.push('consumer');
          },
        },
        { name: 'producer', run: () => void order.push('producer') },
        { name: 'database', run: async () => void order.push('database') },
      ],
      1_000,
    );
    expect(outcome).toEqual({ status: 'completed' });
    expect(order).toEqual(['consumer', 'producer', 'database']);
  });

  it('keeps closing after a step fails and reports the failure', async () => {
    const failure = new Error('flush failed');
    const closed: string[] = [];
    const seen: string[] = [];
    const outcome = await runShutdown(
      [
        {
          name: 'producer',
          run: () => {
            throw failure;
          },
        },
        { name: 'database', run: () => void closed.push('database') },
      ],
      1_000,
      { stepFailed: (step) => seen.push(step) },
    );
    expect(outcome).toEqual({ status: 'failed', failures: [{ step: 'producer', error: failure }] });
    expect(closed).toEqual(['database']);
    expect(seen).toEqual(['producer']);
  });

  it('gives up at the deadline and names the step that hung', async () => {
    const started: string[] = [];
    const outcome = await runShutdown(
      [
        { name: 'consumer', run: () => undefined },
        { name: 'in-flight handler', run: () => new Promise(() => undefined) },
        { name: 'database', run: () => undefined },
      ],
      20,
      { stepStarted: (step) => started.push(step) },
    );
    expect(outcome).toEqual({ status: 'timed-out', step: 'in-flight handler' });
    expect(started).toEqual(['consumer', 'in-flight handler']);
  });
});
