import { AcceptedRequestV1, InferenceResultV1, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { requestRecordFromAccepted } from '@sluice/ledger';
import { randomTenant } from '@sluice/testing';
import { SluiceHarness, newRequestId } from './support';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MODEL = 'claude-haiku-4-5';

type Weighings = Record<string, { missProbability: number; expectedCostUsd: number; priceUsd: number }>;

/** A chat request to Anthropic's Claude Haiku (no flex tier) that may wait two hours. */
function twoHourRequest(tenant: string): Record<string, unknown> & { id: string } {
  const id = newRequestId('two-hours');
  return {
    id,
    tenant,
    provider: 'anthropic',
    operation: 'chat',
    mode: 'auto',
    // Each one is routed on its own, not answered from the cache of the one before.
    cache: false,
    deadline: new Date(Date.now() + 2 * HOUR).toISOString(),
    body: { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: `Summarise day ${id} [emulator:output_tokens=4]` }] },
  };
}

function valid<T extends object>(cls: new () => T, plain: unknown): T {
  const outcome = validateMessage(cls, plain);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

/**
 * Routing by expected cost across all five services and the emulator: a cold system sends a request
 * that may wait two hours to the batch lane on the published priors (most Anthropic batches finish
 * within the hour, and the deadline guard escalates a late one), and stops doing so once the ledger
 * shows batches of that model taking longer than the deadline.
 */
describe('expected-cost routing', () => {
  let h: SluiceHarness;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'expected-cost', env: { router: { ROUTER_ESTIMATES_REFRESH_MS: '1000' } } });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  it(
    'routes a 2 h Claude Haiku request to batch on the priors, and to realtime after a run of slow batches',
    async () => {
      const tenant = randomTenant('expected-cost');
      const cold = twoHourRequest(tenant);
      await h.produce([cold]);
      const coldRouted = await h.awaitEvent(tenant, cold.id, 'routed');
      expect(coldRouted).toMatchObject({ lane: 'batch', reason: 'slack-allows-batch' });
      const coldBatch = (coldRouted.lanes as Weighings).batch!;
      // Anthropic's prior: 80 % within the hour, 95 % within 3 h; the guard escalates a minute before the deadline.
      expect(coldBatch.missProbability).toBeGreaterThan(0.1);
      expect(coldBatch.missProbability).toBeLessThan(0.15);
      expect(await h.awaitResult(tenant, cold.id, 2 * MINUTE)).toMatchObject({ status: 'succeeded', lane: 'batch' });

      // A run of slow batches of this model, on record: forty answers, each five hours after its request.
      const { requests, completions } = h.ledger.repositories;
      const now = Date.now();
      const receivedAt = new Date(now - 5 * HOUR).toISOString();
      const history = Array.from({ length: 40 }, (_, i) => `slow-${i}`);
      await requests.insertMany(
        history.map((id) =>
          requestRecordFromAccepted(valid(AcceptedRequestV1, sampleAccepted({ receivedAt, request: sampleRequest({ tenant, id, notBefore: undefined }) }))),
        ),
      );
      await completions.bookMany(
        history.map((id) =>
          valid(
            InferenceResultV1,
            sampleResult({
              tenant,
              id,
              lane: 'batch',
              provider: 'anthropic',
              model: MODEL,
              resultId: resultIdFor(tenant, id, 'batch', 1),
              timings: { receivedAt, completedAt: new Date(now - MINUTE).toISOString() },
            }),
          ),
        ),
      );

      // The router reads the ledger every second: the next request, or one of the few after it, is routed on the slow history.
      const probes: string[] = [];
      const warmRouted = await h.waitFor(
        async () => {
          const probe = twoHourRequest(tenant);
          probes.push(probe.id);
          await h.produce([probe]);
          const routed = await h.awaitEvent(tenant, probe.id, 'routed');
          return routed.lane === 'realtime' ? routed : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, description: 'a 2 h request routed to realtime once the slow batches are on record' },
      );
      expect(warmRouted).toMatchObject({ reason: 'slack-needs-realtime' });
      const warmLanes = warmRouted.lanes as Weighings;
      expect(warmLanes.batch!.missProbability).toBeGreaterThan(0.5);
      expect(warmLanes.batch!.expectedCostUsd).toBeGreaterThan(warmLanes.realtime!.priceUsd);
      expect(await h.awaitResult(tenant, probes[probes.length - 1]!, MINUTE)).toMatchObject({ status: 'succeeded', lane: 'realtime' });
    },
    6 * MINUTE,
  );
});
