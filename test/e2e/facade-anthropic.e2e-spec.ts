import Anthropic from '@anthropic-ai/sdk';
import { randomTenant } from '@sluice/testing';
import { SluiceHarness, promptText } from './support';

const MODEL = 'claude-haiku-4-5';

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** The text of an Anthropic message body (a result's `response`). */
function messageText(response: unknown): string {
  const content = (response as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
}

/** The named events of an SSE body, in order, with their data parsed. */
function namedEvents(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? '';
      const data = lines.find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? 'null';
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

/**
 * The Anthropic-compatible facade of ingestion (/anthropic), driven by the official
 * `@anthropic-ai/sdk` with nothing changed but its base URL and API key: each call is an ordinary
 * Sluice request, with the provider emulator behind the workers, on the real broker and database.
 */
describe('Anthropic facade', () => {
  let h: SluiceHarness;
  let tenant: string;
  let key: string;
  let baseURL: string;
  let anthropic: Anthropic;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'facade-anthropic' });
    tenant = randomTenant('an-facade');
    key = await h.ledger.issueApiKey(tenant);
    baseURL = `${h.service('ingestion').url}/anthropic`;
    anthropic = new Anthropic({ apiKey: key, baseURL, maxRetries: 0 });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  async function raw(body: unknown, headers: Record<string, string>): Promise<RawAnswer> {
    const response = await fetch(`${baseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  it('answers a blocking message through the SDK, as a Sluice request with its lane and cost in headers', async () => {
    const content = promptText({ prompt: 'Blocking Anthropic facade call', outputTokens: 6 });
    const { data, response } = await anthropic.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content }] }).withResponse();

    expect(data.type).toBe('message');
    expect(messageText(data).split(' ')).toHaveLength(6);
    const requestId = response.headers.get('x-sluice-request-id') ?? '';
    expect(requestId).toMatch(/^req_/);
    expect(response.headers.get('request-id')).toBe(requestId);
    expect(response.headers.get('x-sluice-lane')).toBe('realtime');
    const cost = Number(response.headers.get('x-sluice-cost-usd'));
    expect(cost).toBeGreaterThan(0);

    const result = await h.awaitResult(tenant, requestId);
    expect(result).toMatchObject({ status: 'succeeded', lane: 'realtime', provider: 'anthropic', metadata: { 'sluice.facade': 'anthropic' } });
    expect(messageText(result.response)).toBe(messageText(data));
    const view = await h.http.request<Record<string, unknown>>(key, requestId);
    expect(view.body).toMatchObject({ status: 'succeeded', lane: 'realtime', provider: 'anthropic', cost: { usd: cost } });

    // The same key as x-api-key, as SDK 0.x and Anthropic's curl examples send it.
    const withHeader = await raw(
      { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: promptText({ outputTokens: 2 }) }] },
      { 'x-api-key': key },
    );
    expect(withHeader.status).toBe(200);
    expect(JSON.parse(withHeader.text)).toMatchObject({ type: 'message', role: 'assistant' });
  });

  it("streams a message as Anthropic's events, which the SDK reassembles", async () => {
    const content = promptText({ prompt: 'Streamed Anthropic facade call', outputTokens: 10 });
    const stream = anthropic.messages.stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content }] });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const final = await stream.finalMessage();

    expect(messageText(final).split(' ')).toHaveLength(10);
    expect(deltas.join('')).toBe(messageText(final));
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(10);
    expect(final.usage.input_tokens).toBeGreaterThan(0);

    const streamed = await raw(
      { model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: promptText({ prompt: 'Raw stream', outputTokens: 8 }) }] },
      { authorization: `Bearer ${key}` },
    );
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const events = namedEvents(streamed.text);
    const names = events.map((event) => event.event).filter((name) => name !== 'ping');
    expect(names[0]).toBe('message_start');
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(names.filter((name) => name === 'content_block_delta').length).toBeGreaterThan(0);
    for (const { event, data } of events) expect(data.type).toBe(event);
    const requestId = streamed.headers.get('x-sluice-request-id') ?? '';
    const result = await h.awaitResult(tenant, requestId);
    const text = events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => (event.data.delta as { text: string }).text)
      .join('');
    expect(text).toBe(messageText(result.response));
  });

  it("refuses in Anthropic's error shape, which the SDK turns into its own error classes", async () => {
    const stranger = new Anthropic({ apiKey: 'sk-ant-not-a-sluice-key', baseURL, maxRetries: 0 });
    await expect(stranger.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    await expect(anthropic.messages.create({ model: 'claude-nonexistent', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
    const badDeadline = anthropic.messages.create(
      { model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'X-Sluice-Deadline': 'whenever' } },
    );
    await expect(badDeadline).rejects.toBeInstanceOf(Anthropic.BadRequestError);

    for (const [headers, status, type] of [
      [{ 'x-api-key': 'nope' }, 401, 'authentication_error'],
      [{}, 401, 'authentication_error'],
    ] as const) {
      const answer = await raw({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }, headers);
      expect(answer.status).toBe(status);
      expect(answer.headers.get('request-id')).toBeTruthy();
      expect(JSON.parse(answer.text)).toEqual({
        type: 'error',
        error: { type, message: expect.any(String) as unknown },
        request_id: answer.headers.get('request-id'),
      });
    }
  });
});
