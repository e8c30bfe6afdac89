import Anthropic from '@anthropic-ai/sdk';
import { costUsd, findModelPrice } from '@sluice/providers';
import { bootEmulator, Harness, newApiKey } from './emulator.harness';

const MODEL = 'claude-haiku-4-5';

describe('provider emulator: Anthropic Messages through @anthropic-ai/sdk', () => {
  let emulator: Harness;

  beforeAll(async () => {
    emulator = await bootEmulator();
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('answers a message with Bearer auth and API version 2026-10-21 (SDK 1.x defaults), billed at standard', async () => {
    const apiKey = newApiKey('messages');
    const client = emulator.anthropic(apiKey);
    const params = { model: MODEL, max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Name three rivers.' }] };
    const { data: message, response } = await client.messages.create(params).withResponse();
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.stop_reason).toBe('end_turn');
    const block = message.content[0];
    if (block?.type !== 'text') throw new Error('expected a text block');
    expect(message.usage.output_tokens).toBe(block.text.split(' ').length);
    expect((await client.messages.create(params)).content).toEqual(message.content);

    const billing = await emulator.billing(apiKey);
    const price = findModelPrice('anthropic', MODEL);
    if (!price) throw new Error('catalog lacks the model');
    expect(billing.byModel).toEqual([expect.objectContaining({ provider: 'anthropic', model: MODEL, tier: 'standard', kind: 'call', requests: 2 })]);
    const one = costUsd(price, { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens }, 'standard');
    expect(billing.totals.costUsd).toBeCloseTo(2 * one, 12);
  });

  it('streams named events that MessageStream reassembles into the same message', async () => {
    const client = emulator.anthropic(newApiKey('stream'));
    const params = { model: MODEL, max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Stream a haiku.' }] };
    const whole = await client.messages.create(params);

    const events: string[] = [];
    const stream = client.messages.stream(params);
    stream.on('streamEvent', (event) => events.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual(whole.content);
    expect(final.usage.output_tokens).toBe(whole.usage.output_tokens);
    expect(final.stop_reason).toBe('end_turn');
    expect(stream.request_id).toMatch(/^req_/);
    expect(events[0]).toBe('message_start');
    expect(events.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(events.filter((type) => type === 'content_block_delta')).toHaveLength(whole.usage.output_tokens);

    await emulator.putProfile(MODEL, { latency: { ttftMs: 20, tokensPerSecond: 1000 } });
    try {
      const paced = await client.messages.stream(params).finalMessage();
      expect(paced.content).toEqual(whole.content);
    } finally {
      await emulator.removeProfile(MODEL);
    }
  });

  it('caps at max_tokens with stop_reason max_tokens, and honours the output-size hint', async () => {
    const client = emulator.anthropic(newApiKey('caps'));
    const capped = await client.messages.create({
      model: MODEL,
      max_tokens: 5,
      messages: [{ role: 'user', content: 'Go on at length. [emulator:output_tokens=500]' }],
    });
    expect(capped.stop_reason).toBe('max_tokens');
    expect(capped.usage.output_tokens).toBe(5);
    const sized = await client.messages.create({
      model: MODEL,
      max_tokens: 1000,
      metadata: { emulator_output_tokens: '123' } as Anthropic.Metadata,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(sized.usage.output_tokens).toBe(123);
  });

  it('rejects temperature, top_p and top_k under 2026-10-21 but accepts them under 2023-06-01 with x-api-key', async () => {
    const client = emulator.anthropic(newApiKey('versions'));
    for (const field of ['temperature', 'top_p', 'top_k']) {
      const error = await client.messages
        .create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }], [field]: 0.5 } as Anthropic.MessageCreateParamsNonStreaming)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      const body = (error as InstanceType<typeof Anthropic.BadRequestError>).error as { error: { type: string; message: string } };
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message).toContain(field);
    }
    const legacy = await fetch(`${emulator.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'legacy-key', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 10, temperature: 0.2, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(legacy.status).toBe(200);
    expect(((await legacy.json()) as { type: string }).type).toBe('message');
  });

  it('answers errors in Anthropic shape: 401 without key, 404 for unknown model, 400 without a version', async () => {
    const noKey = await fetch(`${emulator.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2026-10-21', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noKey.status).toBe(401);
    const noKeyBody = (await noKey.json()) as { type: string; error: { type: string }; request_id: string };
    expect(noKeyBody).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(noKeyBody.request_id).toBe(noKey.headers.get('request-id'));

    const unknown = await emulator
      .anthropic(newApiKey('unknown'))
      .messages.create({ model: 'claude-nonexistent', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as InstanceType<typeof Anthropic.NotFoundError>).type).toBe('not_found_error');
    expect((unknown as InstanceType<typeof Anthropic.NotFoundError>).requestID).toMatch(/^req_/);

    const noVersion = await fetch(`${emulator.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noVersion.status).toBe(400);
  });

  it('sends anthropic-ratelimit headers and a 429 with retry-after that the SDK honours', async () => {
    await emulator.putProfile(MODEL, { limits: { rpm: 1 }, faults: { retryAfterMs: 30 } });
    try {
      const apiKey = newApiKey('limits');
      const client = emulator.anthropic(apiKey);
      const { response } = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'a' }] }).withResponse();
      expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('1');
      expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
      expect(response.headers.get('anthropic-ratelimit-requests-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const limited = await client.messages
        .create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'b' }] })
        .catch((caught: unknown) => caught);
      expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
      expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toMatch(/^\d+$/);

      await emulator.putProfile(MODEL, { faults: { retryAfterMs: 30 } });
      await emulator.armFault(MODEL, '429', 2);
      const retried = await emulator
        .anthropic(apiKey, { maxRetries: 2 })
        .messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'c' }] });
      expect(retried.type).toBe('message');
      expect((await emulator.billing(apiKey)).totals.requests).toBe(2);
    } finally {
      await emulator.removeProfile(MODEL);
    }
  });
});
