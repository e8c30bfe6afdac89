import { InferenceResultV1, Topics, validateMessage } from '@sluice/contracts';
import { randomTenant } from '@sluice/testing';
import { CHAT_MODEL, SluiceHarness, chatRequest, completionText, newRequestId } from './support';

/**
 * The HTTP side of the realtime path (served by ingestion): submit with an API key, follow the
 * request's lifecycle as Server-Sent Events to its result, read it back; and tenants walled off.
 */
describe('realtime path over HTTP', () => {
  let h: SluiceHarness;
  let tenantA: string;
  let keyA: string;
  let tenantB: string;
  let keyB: string;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'realtime-http' });
    tenantA = randomTenant('http-a');
    tenantB = randomTenant('http-b');
    keyA = await h.ledger.issueApiKey(tenantA);
    keyB = await h.ledger.issueApiKey(tenantB);
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  it('accepts a POST, streams the lifecycle as SSE up to the result, and serves the outcome on GET', async () => {
    const request = chatRequest(tenantA, { outputTokens: 6 });
    // A provider slow enough that the stream is open before the request completes: its events arrive live.
    await h.emulator.setProfile(CHAT_MODEL, { latency: { ttftMs: 1_500 } });
    try {
      const submitted = await h.http.submit(keyA, request);
      expect(submitted.status).toBe(202);
      expect(submitted.body).toMatchObject({ id: request.id });

      const stream = await h.http.events(keyA, request.id);
      expect(stream.status).toBe(200);
      await h.waitFor(() => stream.events.some((event) => event.event === 'end'), {
        timeoutMs: 60_000,
        description: `the end of the event stream of ${request.id} (so far: ${stream.events.map((event) => event.event).join(', ')})`,
      });
      await stream.ended;

      const names = stream.events.map((event) => event.event);
      expect(names[0]).toBe('status');
      expect(names.at(-1)).toBe('end');
      const lifecycle = names.filter((name) => ['accepted', 'routed', 'completed'].includes(name));
      expect(lifecycle.at(-1)).toBe('completed');
      expect(lifecycle).toEqual(['accepted', 'routed', 'completed'].slice(3 - lifecycle.length));
      const completed = stream.events.find((event) => event.event === 'completed');
      expect(completed?.data).toMatchObject({ type: 'completed', requestId: request.id, tenant: tenantA, lane: 'realtime' });
      const result = stream.events.find((event) => event.event === 'result')?.data as Record<string, unknown> | undefined;
      expect(validateMessage(InferenceResultV1, result)).toMatchObject({ ok: true });
      expect(result).toMatchObject({ id: request.id, tenant: tenantA, status: 'succeeded', lane: 'realtime' });
      expect(completionText(result?.response)?.split(' ')).toHaveLength(6);
      expect(names.indexOf('result')).toBeGreaterThan(names.indexOf('status'));

      const onKafka = await h.awaitResult(tenantA, request.id);
      expect(onKafka.resultId).toBe(result?.resultId);

      const view = await h.http.request(keyA, request.id);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({
        id: request.id,
        tenant: tenantA,
        status: 'succeeded',
        lane: 'realtime',
        result: { id: request.id, resultId: result?.resultId, status: 'succeeded' },
      });
      expect(validateMessage(InferenceResultV1, (view.body as { result: unknown }).result)).toMatchObject({ ok: true });
    } finally {
      await h.emulator.removeProfile(CHAT_MODEL);
    }
  });

  it('refuses a request without a valid API key, and one for another tenant', async () => {
    expect((await h.http.submit(undefined, chatRequest(tenantA))).status).toBe(401);
    expect((await h.http.submit('slc_not-a-key-of-anyone', chatRequest(tenantA))).status).toBe(401);
    expect((await h.http.submit(keyB, chatRequest(tenantA))).status).toBe(403);
  });

  it('answers a POST that names a bad field with 400 naming it', async () => {
    const reply = await h.http.submit(keyA, chatRequest(tenantA, { extra: { provider: 'cohere' } }));
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain('provider');
  });

  it("does not let one tenant read another's request, result or events", async () => {
    const request = chatRequest(tenantA);
    expect((await h.http.submit(keyA, request)).status).toBe(202);
    await h.awaitResult(tenantA, request.id);

    const view = await h.http.request(keyB, request.id);
    expect(view.status).toBe(404);
    expect(JSON.stringify(view.body)).not.toContain(tenantA);
    const stream = await h.http.events(keyB, request.id);
    expect(stream.status).toBe(404);
    expect(stream.events).toHaveLength(0);
    expect((await h.http.request(undefined, request.id)).status).toBe(401);
    expect((await h.http.events(undefined, request.id)).status).toBe(401);
    // The owner still sees it, so the 404s above are about the tenant, not a missing request.
    expect((await h.http.request(keyA, request.id)).status).toBe(200);
  });

  it('keeps one request id apart for two tenants: each sees only its own request and result', async () => {
    const id = newRequestId('shared');
    const ofA = chatRequest(tenantA, { id, outputTokens: 3 });
    const ofB = chatRequest(tenantB, { id, outputTokens: 7 });
    expect((await h.http.submit(keyA, ofA)).status).toBe(202);
    expect((await h.http.submit(keyB, ofB)).status).toBe(202);
    const [resultA, resultB] = await Promise.all([h.awaitResult(tenantA, id), h.awaitResult(tenantB, id)]);
    expect(completionText(resultA.response)?.split(' ')).toHaveLength(3);
    expect(completionText(resultB.response)?.split(' ')).toHaveLength(7);

    const [viewA, viewB] = await Promise.all([
      h.waitFor(
        async () => {
          const reply = await h.http.request<{ status: string; tenant: string; result: unknown }>(keyA, id);
          return reply.body.result !== null ? reply : undefined;
        },
        { description: `${tenantA}'s view of ${id} with its result` },
      ),
      h.waitFor(
        async () => {
          const reply = await h.http.request<{ status: string; tenant: string; result: unknown }>(keyB, id);
          return reply.body.result !== null ? reply : undefined;
        },
        { description: `${tenantB}'s view of ${id} with its result` },
      ),
    ]);
    expect(viewA.body).toMatchObject({ tenant: tenantA, result: { tenant: tenantA, resultId: resultA.resultId } });
    expect(viewB.body).toMatchObject({ tenant: tenantB, result: { tenant: tenantB, resultId: resultB.resultId } });
    expect(h.tap.forTenant(tenantB, Topics.Results).every((message) => (message.value as { tenant: string }).tenant === tenantB)).toBe(true);
  });
});
