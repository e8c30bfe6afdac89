import { randomTenant } from '@sluice/testing';
import {
  SluiceHarness,
  awaitAllResults,
  batchLines,
  chatRequest,
  ledgerBatches,
  providerBatchStatus,
  resultsByRequest,
  writeEmulatorBatchPolicy,
} from './support';

const MINUTE = 60_000;

/**
 * The batch lane across all five services and the provider emulator, when a batch does not answer
 * everything in time: expired lines are resubmitted, a batch too slow for its deadlines is
 * overtaken by the realtime lane; nothing is lost and nothing is delivered twice.
 */
describe('batch lane: expiry and the deadline guard', () => {
  let h: SluiceHarness;

  beforeAll(async () => {
    h = await SluiceHarness.start({
      name: 'batch-lane',
      env: {
        'batch-aggregator': {
          // Windows and resubmissions are planned with the emulator's batch turnaround, not the providers' hours.
          ROUTING_POLICY_FILE: writeEmulatorBatchPolicy(8_000),
          BATCH_WINDOW_MAX_AGE_MS: '5000',
          BATCH_POLL_MIN_MS: '200',
          BATCH_POLL_MAX_MS: '1000',
          BATCH_GUARD_INTERVAL_MS: '250',
          BATCH_PROGRESS_INTERVAL_MS: '500',
        },
      },
    });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  it(
    'resubmits only the lines an expired batch did not answer',
    async () => {
      const model = 'gpt-4o';
      const tenant = randomTenant('expiry');
      // The first batch of this model expires half-way through its lines.
      await h.emulator.setProfile(model, { faults: { forceExpire: true, expireAfterFraction: 0.5 } });
      const requests = Array.from({ length: 20 }, () => chatRequest(tenant)).map((request) => ({
        ...request,
        mode: 'batch',
        deadline: new Date(Date.now() + 60 * MINUTE).toISOString(),
        body: { model, messages: [{ role: 'user', content: `expiring ${request.id} [emulator:output_tokens=6]` }] },
      }));
      const ids = requests.map((request) => request.id);
      try {
        await h.produce(requests);
        // The emulator reads a batch's profile before the batch goes in_progress: from then on the first
        // batch expires whatever the profile says, and the resubmission must not find it still set.
        await h.waitFor(async () => (await providerBatchStatus(h, tenant)) === 'started', {
          timeoutMs: 2 * MINUTE,
          description: 'the first batch to start at the provider',
        });
      } finally {
        await h.emulator.removeProfile(model);
      }
      await h.waitFor(async () => (await ledgerBatches(h, tenant)).some((batch) => batch.status === 'expired'), {
        timeoutMs: 2 * MINUTE,
        description: 'the first batch to expire',
      });

      const results = await awaitAllResults(h, tenant, ids, 3 * MINUTE);
      await h.quiesce();

      const [first, second, ...rest] = await ledgerBatches(h, tenant);
      expect(rest).toEqual([]);
      const answeredFirst = first!.items.succeeded ?? 0;
      expect(first).toMatchObject({ status: 'expired', requestCount: 20, attempts: [1] });
      expect(answeredFirst).toBeGreaterThan(0);
      expect(first!.items.expired).toBe(20 - answeredFirst);
      // Only what was missing went into the second batch, as the next attempt.
      expect(second).toMatchObject({ status: 'completed', requestCount: 20 - answeredFirst, items: { succeeded: 20 - answeredFirst }, attempts: [2] });

      const lines = await batchLines(h, new Set(ids));
      expect(lines).toHaveLength(20);
      expect(new Set(lines.map((line) => line.customId)).size).toBe(20);
      for (const id of ids) {
        expect(results.get(id)).toHaveLength(1);
        expect(results.get(id)![0]).toMatchObject({ status: 'succeeded', lane: 'batch' });
      }
    },
    5 * MINUTE,
  );

  it(
    'escalates requests whose batch is too slow for their deadlines; they meet them, and the late batch answers are billed, not delivered',
    async () => {
      const model = 'gpt-4.1-mini';
      const tenant = randomTenant('slow');
      // Far longer than the deadlines below: only the realtime lane can answer in time.
      await h.emulator.setProfile(model, { batch: { turnaround: { distribution: 'fixed', minMs: 25_000, maxMs: 25_000 } } });
      const requests = Array.from({ length: 10 }, () => chatRequest(tenant)).map((request) => ({
        ...request,
        mode: 'batch',
        // The window closes at 5 s; the guard takes over 8 s before the deadline, well before the batch ends.
        deadline: new Date(Date.now() + 25_000).toISOString(),
        body: { model, messages: [{ role: 'user', content: `slow ${request.id} [emulator:output_tokens=5]` }] },
      }));
      const ids = requests.map((request) => request.id);
      try {
        await h.produce(requests);
        const results = await awaitAllResults(h, tenant, ids, 2 * MINUTE);
        for (const id of ids) {
          const [first] = results.get(id)!;
          expect(first).toMatchObject({ status: 'succeeded', lane: 'realtime', deadlineMet: true });
          await h.awaitEvent(tenant, id, 'completed');
          const types = h.eventTypes(tenant, id);
          expect(types).toEqual(expect.arrayContaining(['batched', 'submitted', 'escalated', 'completed']));
          expect(types.indexOf('escalated')).toBeGreaterThan(types.indexOf('submitted'));
        }

        // The batch ends later and its answers are published too: booked for their cost, never delivered.
        await h.waitFor(async () => (await ledgerBatches(h, tenant)).every((batch) => batch.status === 'completed'), {
          timeoutMs: 2 * MINUTE,
          description: 'the slow batch to end',
        });
        await h.waitFor(
          async () => {
            const { rows } = await h.ledger.pool.query<{ n: string }>(`select count(*) as n from request_results where tenant = $1 and lane = 'batch'`, [
              tenant,
            ]);
            return Number(rows[0]!.n) === ids.length;
          },
          { timeoutMs: MINUTE, description: 'the late batch results booked' },
        );
        await h.quiesce();
      } finally {
        await h.emulator.removeProfile(model);
      }

      const byRequest = resultsByRequest(h, tenant);
      for (const id of ids) {
        expect(
          byRequest
            .get(id)!
            .map((result) => result.lane)
            .sort(),
        ).toEqual(['batch', 'realtime']);
        expect(h.eventTypes(tenant, id).filter((type) => type === 'completed')).toHaveLength(1);
        const { rows } = await h.ledger.pool.query<{ lane: string }>('select lane from completions where tenant = $1 and request_id = $2', [tenant, id]);
        expect(rows).toEqual([{ lane: 'realtime' }]);
      }
      const [batch] = await ledgerBatches(h, tenant);
      expect(batch).toMatchObject({ status: 'completed', items: { escalated: 10 } });
    },
    5 * MINUTE,
  );
});
