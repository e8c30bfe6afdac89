import { InferenceResultV1, Topics, resultIdFor, validateMessage } from '@sluice/contracts';
import { randomTenant } from '@sluice/testing';
import { randomBytes } from 'node:crypto';
import { CHAT_MODEL, SluiceHarness, chatRequest, completionText } from './support';

/**
 * The cache lane: an identical request already answered, or in flight, costs no provider call. The
 * emulator's billing record of this run's API key is the proof: its count of calls does not move.
 */
describe('realtime path: cache and coalescing', () => {
  let h: SluiceHarness;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'realtime-cache' });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  const billed = (): Promise<number> => h.emulator.billedCalls(h.providerKeys.openai);

  it('answers an identical request from the cache without calling the provider', async () => {
    const tenant = randomTenant('cache');
    const prompt = `What is cached? ${randomBytes(6).toString('hex')}`;
    const first = chatRequest(tenant, { prompt, exactPrompt: true, outputTokens: 8 });
    const second = chatRequest(tenant, { prompt, exactPrompt: true, outputTokens: 8 });

    await h.produce([first]);
    const original = await h.awaitResult(tenant, first.id);
    // Everything the first request caused is done, the cache entry included, before the second is sent.
    await h.quiesce();
    const billedAfterFirst = await billed();

    await h.produce([second]);
    const cached = await h.awaitResult(tenant, second.id);
    await h.awaitEvent(tenant, second.id, 'completed');
    await h.quiesce();

    expect(original).toMatchObject({ status: 'succeeded', lane: 'realtime' });
    expect(validateMessage(InferenceResultV1, cached)).toMatchObject({ ok: true });
    expect(cached).toMatchObject({ id: second.id, tenant, status: 'succeeded', lane: 'cache', resultId: resultIdFor(tenant, second.id, 'cache') });
    expect(completionText(cached.response)).toBe(completionText(original.response));
    expect(cached.cost).toMatchObject({ usd: 0 });
    expect(await billed()).toBe(billedAfterFirst);
    expect(h.tap.forRequest(tenant, second.id, Topics.LaneRealtime)).toHaveLength(0);
    expect(h.eventTypes(tenant, second.id)).toEqual(['accepted', 'routed', 'completed']);
  });

  it('does not answer one tenant from another tenant’s cache', async () => {
    const prompt = `Whose answer? ${randomBytes(6).toString('hex')}`;
    const owner = chatRequest(randomTenant('owner'), { prompt, exactPrompt: true });
    const stranger = chatRequest(randomTenant('stranger'), { prompt, exactPrompt: true });

    await h.produce([owner]);
    await h.awaitResult(owner.tenant, owner.id);
    await h.quiesce();
    const billedBefore = await billed();

    await h.produce([stranger]);
    const answer = await h.awaitResult(stranger.tenant, stranger.id);
    await h.quiesce();

    expect(answer).toMatchObject({ status: 'succeeded', lane: 'realtime' });
    expect((await billed()) - billedBefore).toBe(1);
  });

  it('makes one provider call for identical requests in flight at the same time', async () => {
    const tenant = randomTenant('coalesce');
    const prompt = `Asked by many at once ${randomBytes(6).toString('hex')}`;
    const requests = Array.from({ length: 5 }, () => chatRequest(tenant, { prompt, exactPrompt: true, outputTokens: 10 }));
    const billedBefore = await billed();
    // A slow provider keeps the first call in flight while the others arrive: they must wait on it, not call again.
    await h.emulator.setProfile(CHAT_MODEL, { latency: { ttftMs: 3_000 } });
    try {
      await h.produce(requests);
      const results = await Promise.all(requests.map((request) => h.awaitResult(tenant, request.id, 90_000)));
      await h.quiesce();

      expect(results.map((result) => result.status)).toEqual(requests.map(() => 'succeeded'));
      const texts = new Set(results.map((result) => completionText(result.response)));
      expect(texts.size).toBe(1);
      expect(results.filter((result) => result.lane !== 'cache')).toHaveLength(1);
      expect((await billed()) - billedBefore).toBe(1);
      for (const request of requests) expect(h.tap.forRequest(tenant, request.id, Topics.Results)).toHaveLength(1);
    } finally {
      await h.emulator.removeProfile(CHAT_MODEL);
    }
  });
});
