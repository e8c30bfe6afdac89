import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first truthy value of the condition', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? 'ready' : null), { intervalMs: 1 });
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('fails with the description once the deadline passes', async () => {
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 5, description: 'the impossible' })).rejects.toThrow(
      /timed out after 30 ms waiting for the impossible/,
    );
  });

  it('reports the last error the condition threw', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('broker not there');
        },
        { timeoutMs: 20, intervalMs: 5 },
      ),
    ).rejects.toThrow(/last error: broker not there/);
  });
});
