import { randomTenant } from '@sluice/testing';
import { EMBEDDING_MODEL, SluiceHarness, awaitAllResults, batchLines, embeddingRequest, ledgerBatches, writeEmulatorBatchPolicy } from './support';

const MINUTE = 60_000;

/** A gauge or counter of a service's /metrics, summed over its series. */
async function metric(h: SluiceHarness, name: string): Promise<number> {
  const text = await (await fetch(`${h.service('batch-aggregator').url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/**
 * The batch-aggregator killed with SIGKILL at the two moments that matter (requests waiting in an open
 * window, their offsets committed, so the window is only in the ledger until the restart adopts it; a
 * batch submitted and being polled) and started again: every request gets exactly one result, and the
 * emulator runs each line once, in one provider batch.
 */
describe('batch lane across a crashed aggregator', () => {
  let h: SluiceHarness;

  beforeAll(async () => {
    h = await SluiceHarness.start({
      name: 'batch-recovery',
      env: {
        'batch-aggregator': {
          // Windows and resubmissions are planned with the emulator's batch turnaround, not the providers' hours.
          ROUTING_POLICY_FILE: writeEmulatorBatchPolicy(8_000),
          // Long enough that the window is still open after the first test has waited for every request to be written.
          BATCH_WINDOW_MAX_AGE_MS: '20000',
          BATCH_POLL_MIN_MS: '200',
          BATCH_POLL_MAX_MS: '1000',
          BATCH_GUARD_INTERVAL_MS: '500',
        },
      },
    });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  async function expectEachOnce(tenant: string, ids: readonly string[]): Promise<void> {
    const results = await awaitAllResults(h, tenant, ids, 4 * MINUTE);
    await h.quiesce(2 * MINUTE);
    for (const id of ids) {
      expect(results.get(id)).toHaveLength(1);
      expect(results.get(id)![0]).toMatchObject({ status: 'succeeded', lane: 'batch' });
    }
    const lines = await batchLines(h, new Set(ids));
    expect(lines).toHaveLength(ids.length);
    expect(new Set(lines.map((line) => line.customId)).size).toBe(ids.length);
    expect(new Set(lines.map((line) => line.batchId)).size).toBe(1);
  }

  it(
    'loses nothing and submits nothing twice when killed while requests wait in an open window',
    async () => {
      const tenant = randomTenant('window-crash');
      const requests = Array.from({ length: 300 }, () => embeddingRequest(tenant, 60 * MINUTE));
      const ids = requests.map((request) => request.id);
      await h.produce(requests);
      await h.waitFor(async () => (await metric(h, 'sluice_batch_window_waiting_requests')) === ids.length, {
        timeoutMs: MINUTE,
        description: 'all 300 requests waiting in the open window',
      });
      // The gauge counts only requests the ledger has; the kill also waits for every lane offset to be
      // committed, so the restarted aggregator finds the window by adoption alone, nothing redelivered.
      await h.quiesce(MINUTE);
      expect(await ledgerBatches(h, tenant)).toEqual([]);

      await h.crashAndRestart('batch-aggregator');

      await expectEachOnce(tenant, ids);
      expect(await ledgerBatches(h, tenant)).toEqual([expect.objectContaining({ status: 'completed', requestCount: 300, items: { succeeded: 300 } })]);
    },
    8 * MINUTE,
  );

  it(
    'resumes a submitted batch after being killed while polling it, without submitting it again',
    async () => {
      const tenant = randomTenant('poll-crash');
      // Slow enough that the batch is still running when the aggregator dies.
      await h.emulator.setProfile(EMBEDDING_MODEL, { batch: { turnaround: { distribution: 'fixed', minMs: 20_000, maxMs: 20_000 } } });
      try {
        const requests = Array.from({ length: 300 }, () => embeddingRequest(tenant, 60 * MINUTE));
        const ids = requests.map((request) => request.id);
        await h.produce(requests);
        await h.waitFor(async () => (await ledgerBatches(h, tenant)).some((batch) => batch.status === 'in_progress'), {
          timeoutMs: MINUTE,
          description: 'the batch submitted and in progress',
        });

        await h.crashAndRestart('batch-aggregator');

        await expectEachOnce(tenant, ids);
        expect(await ledgerBatches(h, tenant)).toEqual([expect.objectContaining({ status: 'completed', requestCount: 300, items: { succeeded: 300 } })]);
      } finally {
        await h.emulator.removeProfile(EMBEDDING_MODEL);
      }
    },
    8 * MINUTE,
  );
});
