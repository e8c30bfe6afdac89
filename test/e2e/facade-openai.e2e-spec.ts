import { randomTenant } from '@sluice/testing';
import { assertOpenAISchema } from '@sluice/testing/openai/openai.schemas';
import OpenAI from 'openai';
import { randomBytes } from 'node:crypto';
import { CHAT_MODEL, EMBEDDING_MODEL, SluiceHarness, completionText, promptText } from './support';

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** The `data:` payloads of an SSE body, in order. */
function dataEvents(text: string): string[] {
  return text
    .split('\n\n')
    .map((frame) =>
      frame
        .split('\n')
        .find((line) => line.startsWith('data: '))
        ?.slice('data: '.length),
    )
    .filter((data): data is string => data !== undefined);
}

/**
 * The OpenAI-compatible facade of ingestion (/openai/v1), driven by the official `openai` SDK with
 * nothing changed but its base URL and API key: each call is an ordinary Sluice request (ledger,
 * lanes, events, costs) with the provider emulator behind the workers, on the real broker and database.
 */
describe('OpenAI facade', () => {
  let h: SluiceHarness;
  let tenant: string;
  let key: string;
  let baseURL: string;
  let openai: OpenAI;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'facade-openai' });
    tenant = randomTenant('oa-facade');
    key = await h.ledger.issueApiKey(tenant);
    baseURL = `${h.service('ingestion').url}/openai/v1`;
    // No retries: a failure must show as it is, not be hidden by a second attempt.
    openai = new OpenAI({ apiKey: key, baseURL, maxRetries: 0 });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  async function raw(path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
    const response = await fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  async function ledgerView(requestId: string): Promise<Record<string, unknown>> {
    const view = await h.http.request<Record<string, unknown>>(key, requestId);
    expect(view.status).toBe(200);
    return view.body;
  }

  it('answers a blocking chat completion through the SDK, as a Sluice request with its lane and cost in headers', async () => {
    const content = promptText({ prompt: 'Blocking facade call', outputTokens: 7 });
    const { data, response } = await openai.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content }] }).withResponse();

    expect(data.object).toBe('chat.completion');
    expect(data.choices[0].message.content?.split(' ')).toHaveLength(7);
    expect(data.usage?.completion_tokens).toBe(7);
    const requestId = response.headers.get('x-sluice-request-id') ?? '';
    expect(requestId).toMatch(/^req_/);
    expect(response.headers.get('x-sluice-lane')).toBe('realtime');
    const cost = Number(response.headers.get('x-sluice-cost-usd'));
    expect(cost).toBeGreaterThan(0);

    const result = await h.awaitResult(tenant, requestId);
    expect(result).toMatchObject({ status: 'succeeded', lane: 'realtime', metadata: { 'sluice.facade': 'openai' } });
    expect(completionText(result.response)).toBe(data.choices[0].message.content);
    expect((result.cost as { usd: number }).usd).toBe(cost);
    expect(await ledgerView(requestId)).toMatchObject({ status: 'succeeded', lane: 'realtime', cost: { usd: cost } });
    expect(h.eventTypes(tenant, requestId)).toEqual(expect.arrayContaining(['accepted', 'routed', 'completed']));

    const again = await raw('/chat/completions', { model: CHAT_MODEL, messages: [{ role: 'user', content: promptText({ outputTokens: 3 }) }] });
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toContain('application/json');
    assertOpenAISchema('CreateChatCompletionResponse', JSON.parse(again.text));
  });

  it('streams a chat completion as OpenAI chunks that the SDK reassembles, usage last when asked for', async () => {
    const content = promptText({ prompt: 'Streamed facade call', outputTokens: 12 });
    const stream = openai.chat.completions.stream({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content }],
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on('content', (delta) => deltas.push(delta));
    const final = await stream.finalChatCompletion();

    expect(final.choices[0].message.content?.split(' ')).toHaveLength(12);
    expect(final.choices[0].finish_reason).toBe('stop');
    expect(final.usage).toMatchObject({ completion_tokens: 12 });
    expect(deltas.join('')).toBe(final.choices[0].message.content);

    const streamed = await raw('/chat/completions', {
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: promptText({ prompt: 'Raw stream', outputTokens: 9 }) }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect(streamed.headers.get('x-sluice-lane')).toBe('realtime');
    const requestId = streamed.headers.get('x-sluice-request-id') ?? '';
    const data = dataEvents(streamed.text);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((payload) => JSON.parse(payload) as Record<string, unknown> & { id: string; choices: unknown[] });
    for (const chunk of chunks) assertOpenAISchema('CreateChatCompletionStreamResponse', chunk);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ completion_tokens: 9 });

    const result = await h.awaitResult(tenant, requestId);
    expect(result).toMatchObject({ status: 'succeeded', lane: 'realtime' });
    expect(result.chunks).toBeGreaterThan(0);
    const text = chunks
      .map((chunk) => (chunk.choices as Array<{ delta?: { content?: string } }>).map((choice) => choice.delta?.content ?? '').join(''))
      .join('');
    expect(text).toBe(completionText(result.response));
  });

  it('answers a call with X-Sluice-Deadline: 500ms from realtime, and the identical second call from the cache', async () => {
    const body = {
      model: CHAT_MODEL,
      messages: [{ role: 'user' as const, content: promptText({ prompt: `Deadline ${randomBytes(4).toString('hex')}`, outputTokens: 5, exactPrompt: true }) }],
    };
    const options = { headers: { 'X-Sluice-Deadline': '500ms' } };
    const billedBefore = await h.emulator.billedCalls(h.providerKeys.openai);

    const first = await openai.chat.completions.create(body, options).withResponse();
    const second = await openai.chat.completions.create(body, options).withResponse();

    expect(first.response.headers.get('x-sluice-lane')).toBe('realtime');
    expect(second.response.headers.get('x-sluice-lane')).toBe('cache');
    expect(Number(second.response.headers.get('x-sluice-cost-usd'))).toBe(0);
    expect(second.data.choices[0].message.content).toBe(first.data.choices[0].message.content);
    const firstId = first.response.headers.get('x-sluice-request-id') ?? '';
    const secondId = second.response.headers.get('x-sluice-request-id') ?? '';
    expect(secondId).not.toBe(firstId);
    // The deadline the ledger holds is the header's: half a second after receipt.
    const view = await ledgerView(firstId);
    const timings = view.timings as { receivedAt: string };
    expect(Date.parse(view.deadline as string) - Date.parse(timings.receivedAt)).toBe(500);
    expect(await ledgerView(secondId)).toMatchObject({ status: 'succeeded', lane: 'cache' });
    expect((await h.emulator.billedCalls(h.providerKeys.openai)) - billedBefore).toBe(1);
  });

  it('answers embeddings as floats and as base64, which the SDK decodes to the same vectors', async () => {
    const input = [`first passage ${randomBytes(4).toString('hex')}`, `second passage ${randomBytes(4).toString('hex')}`];
    const floats = await openai.embeddings.create({ model: EMBEDDING_MODEL, input, encoding_format: 'float' }).withResponse();
    // The SDK asks for base64 when no format is given, and decodes it.
    const decoded = await openai.embeddings.create({ model: EMBEDDING_MODEL, input }).withResponse();

    expect(floats.data.data).toHaveLength(2);
    expect(decoded.data.data).toHaveLength(2);
    for (const [index, item] of floats.data.data.entries()) {
      const other = decoded.data.data[index].embedding;
      expect(other).toHaveLength(item.embedding.length);
      // base64 carries float32: equal to float32 precision.
      item.embedding.forEach((value, i) => expect(other[i]).toBeCloseTo(value, 6));
    }
    // No X-Sluice-Deadline: the policy's default for embeddings (a day) cut to what a waiting call may
    // take (INGESTION_FACADE_MAX_DEADLINE_MS, 10 minutes), which the async lane meets at less than realtime.
    const lane = floats.response.headers.get('x-sluice-lane');
    expect(['realtime', 'async']).toContain(lane);
    expect(decoded.response.headers.get('x-sluice-lane')).toBe('cache');
    const requestId = floats.response.headers.get('x-sluice-request-id') ?? '';
    const view = await ledgerView(requestId);
    expect(view).toMatchObject({ status: 'succeeded', operation: 'embedding', lane });
    expect(Date.parse(view.deadline as string) - Date.parse((view.timings as { receivedAt: string }).receivedAt)).toBe(10 * 60_000);

    const input2 = `raw ${randomBytes(4).toString('hex')}`;
    const asFloats = await raw('/embeddings', { model: EMBEDDING_MODEL, input: input2, encoding_format: 'float' });
    const asBase64 = await raw('/embeddings', { model: EMBEDDING_MODEL, input: input2, encoding_format: 'base64' });
    expect([asFloats.status, asBase64.status]).toEqual([200, 200]);
    const floatBody = JSON.parse(asFloats.text) as { data: Array<{ embedding: number[] }> };
    assertOpenAISchema('CreateEmbeddingResponse', floatBody);
    // OpenAI's schema knows only the float form; the base64 one is the same envelope with each vector
    // as little-endian float32 bytes, which decoded must match the schema and the float answer.
    const base64Body = JSON.parse(asBase64.text) as { data: Array<{ embedding: unknown }> };
    const decodedBody = {
      ...base64Body,
      data: base64Body.data.map((item) => {
        expect(typeof item.embedding).toBe('string');
        const bytes = Buffer.from(item.embedding as string, 'base64');
        return { ...item, embedding: Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4)) };
      }),
    };
    assertOpenAISchema('CreateEmbeddingResponse', decodedBody);
    expect(decodedBody.data[0].embedding).toHaveLength(floatBody.data[0].embedding.length);
    decodedBody.data[0].embedding.forEach((value, i) => expect(value).toBeCloseTo(floatBody.data[0].embedding[i], 6));
  });

  it('books facade calls like any other request: GET /v1/costs counts them per lane at the cost the headers said', async () => {
    const own = randomTenant('oa-costs');
    const ownKey = await h.ledger.issueApiKey(own);
    const client = new OpenAI({ apiKey: ownKey, baseURL, maxRetries: 0 });
    const body = { model: CHAT_MODEL, messages: [{ role: 'user' as const, content: promptText({ prompt: 'Counted', outputTokens: 4 }) }] };
    const first = await client.chat.completions.create(body).withResponse();
    const second = await client.chat.completions.create(body).withResponse();
    const cost = Number(first.response.headers.get('x-sluice-cost-usd'));
    expect([first.response.headers.get('x-sluice-lane'), second.response.headers.get('x-sluice-lane')]).toEqual(['realtime', 'cache']);

    const response = await fetch(`${h.service('ingestion').url}/v1/costs`, { headers: { authorization: `Bearer ${ownKey}` } });
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      lanes: Array<{ lane: string; requests: number; costUsd: number }>;
      total: { requests: number; costUsd: number };
    };
    expect(report.total).toMatchObject({ requests: 2, costUsd: cost });
    expect(report.lanes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ lane: 'realtime', requests: 1, costUsd: cost }),
        expect.objectContaining({ lane: 'cache', requests: 1, costUsd: 0 }),
      ]),
    );
  });

  it("refuses in OpenAI's error shape, which the SDK turns into its own error classes", async () => {
    const stranger = new OpenAI({ apiKey: 'sk-not-a-sluice-key', baseURL, maxRetries: 0 });
    await expect(stranger.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect(openai.chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    const badDeadline = openai.chat.completions.create(
      { model: CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'X-Sluice-Deadline': 'soon' } },
    );
    await expect(badDeadline).rejects.toMatchObject({ status: 400, param: 'X-Sluice-Deadline' });

    for (const [body, headers, status] of [
      [{ model: CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }] }, { authorization: 'Bearer nope' }, 401],
      [{ model: CHAT_MODEL, messages: 'not a list' }, {}, 400],
      [{ model: CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }], stream: 'yes' }, {}, 400],
    ] as const) {
      const answer = await raw('/chat/completions', body, headers);
      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toContain('application/json');
      assertOpenAISchema('ErrorResponse', JSON.parse(answer.text));
    }
  });
});
