import { AcceptedRequestV1, InferenceResultV1, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { requestRecordFromAccepted } from '@sluice/ledger';
import { randomTenant, waitFor } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { LearnedTurnarounds } from '@sluice/ledger';
import { RouterHarness } from './router.harness';

const WAIT = { timeoutMs: 30_000 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MODEL = 'claude-haiku-4-5';

function accepted(tenant: string, id: string, deadlineInMs: number) {
  const receivedAt = new Date();
  return {
    request: {
      id,
      tenant,
      provider: 'anthropic',
      operation: 'chat',
      body: { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: `Summarise ${randomUUID()}` }] },
      mode: 'auto',
      stream: false,
      cache: false,
    },
    receivedAt: receivedAt.toISOString(),
    deadline: new Date(receivedAt.getTime() + deadlineInMs).toISOString(),
    source: 'kafka',
  };
}

function valid<T extends object>(cls: new () => T, plain: unknown): T {
  const outcome = validateMessage(cls, plain);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

describe('router, learning lane turnarounds from the ledger, on the real broker and database', () => {
  let h: RouterHarness;

  beforeAll(async () => {
    h = await RouterHarness.start({}, { ROUTER_ESTIMATES_REFRESH_MS: '1000' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  async function routedEvent(tenant: string, id: string) {
    const event = await waitFor(() => h.on('events', tenant).find((m) => m.value.requestId === id && m.value.type === 'routed'), {
      ...WAIT,
      description: `the routed event of ${id}`,
    });
    return event.value;
  }

  it('sends a 2 h Claude Haiku request to batch on the priors, and to realtime once slow batches are on record', async () => {
    const tenant = randomTenant('turnaround');
    await h.submit(accepted(tenant, 'cold', 2 * HOUR));
    const cold = await routedEvent(tenant, 'cold');
    expect(cold).toMatchObject({ lane: 'batch', reason: 'slack-allows-batch' });
    // Anthropic's prior: 80 % within the hour, 95 % within 3 h, 0.1 % never.
    const coldBatch = (cold.lanes as Record<string, { missProbability: number; expectedCostUsd: number }>).batch;
    expect(coldBatch.missProbability).toBeGreaterThan(0.1);
    expect(coldBatch.missProbability).toBeLessThan(0.15);
    expect(h.on('batch', tenant).map((m) => (m.value.request as { id: string }).id)).toEqual(['cold']);

    // Thirty batch answers of this model, each five hours after its request, one of them after the request
    // was escalated (superseded by a realtime answer): all recorded results count.
    const now = Date.now();
    const history = Array.from({ length: 30 }, (_, i) => `slow-${i}`);
    const records = history.map((id) =>
      requestRecordFromAccepted(
        valid(
          AcceptedRequestV1,
          sampleAccepted({ receivedAt: new Date(now - 5 * HOUR).toISOString(), request: sampleRequest({ tenant, id, notBefore: undefined }) }),
        ),
      ),
    );
    await h.ledger.requests.insertMany(records);
    const result = (id: string, lane: 'batch' | 'realtime', completedAt: number) =>
      valid(
        InferenceResultV1,
        sampleResult({
          tenant,
          id,
          lane,
          provider: 'anthropic',
          model: MODEL,
          resultId: resultIdFor(tenant, id, lane, lane === 'batch' ? 1 : 2),
          timings: { receivedAt: new Date(now - 5 * HOUR).toISOString(), completedAt: new Date(completedAt).toISOString() },
        }),
      );
    await h.ledger.completions.bookMany([result('slow-0', 'realtime', now - 4 * HOUR)]);
    await h.ledger.completions.bookMany(history.map((id) => result(id, 'batch', now - MINUTE)));

    const learned = h.app.get(LearnedTurnarounds);
    await waitFor(() => (learned.turnaround('anthropic', MODEL, 'batch', new Date()).samples >= 30 ? true : undefined), {
      ...WAIT,
      description: 'the router to read the slow batches from the ledger',
    });

    await h.submit(accepted(tenant, 'warm', 2 * HOUR));
    const warm = await routedEvent(tenant, 'warm');
    expect(warm).toMatchObject({ lane: 'realtime', reason: 'slack-needs-realtime' });
    const warmLanes = warm.lanes as Record<string, { missProbability: number; expectedCostUsd: number; priceUsd: number }>;
    // The slow history weighs 30 / 50, and hardly any of it came back within 2 h: batch misses more than half the time.
    expect(warmLanes.batch!.missProbability).toBeGreaterThan(0.5);
    expect(warmLanes.batch!.expectedCostUsd).toBeGreaterThan(warmLanes.realtime!.priceUsd);
    await waitFor(() => h.on('realtime', tenant).find((m) => (m.value.request as { id: string }).id === 'warm'), {
      ...WAIT,
      description: 'the warm request on the realtime lane',
    });
    expect(h.on('batch', tenant)).toHaveLength(1);
  });
});
