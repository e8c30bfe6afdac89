import { costUsd, findModelPrice } from '@sluice/providers';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { bootEmulator, Harness, newApiKey } from './emulator.harness';
import { assertOpenAISchema } from '@sluice/testing/openai/openai.schemas';

const CHAT_MODEL = 'gpt-4o-mini';
const FLEX_MODEL = 'gpt-5-mini';
const EMBEDDING_MODEL = 'text-embedding-3-small';

describe('provider emulator: OpenAI chat and embeddings through the openai SDK', () => {
  let emulator: Harness;

  beforeAll(async () => {
    emulator = await bootEmulator();
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('answers a chat completion that matches the OpenAI schema, deterministically per input', async () => {
    const client = emulator.openai(newApiKey('chat'));
    const params = { model: CHAT_MODEL, messages: [{ role: 'user' as const, content: 'Summarise the plot of Hamlet.' }] };
    const raw = await client.chat.completions.create(params).asResponse();
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    assertOpenAISchema('CreateChatCompletionResponse', await raw.json());
    const data = await client.chat.completions.create(params);
    expect(data._request_id).toMatch(/^req_/);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    const text = data.choices[0]?.message.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBe(text.split(' ').length);

    const again = await client.chat.completions.create(params);
    expect(again.choices[0]?.message.content).toBe(text);
    const other = await client.chat.completions.create({ ...params, messages: [{ role: 'user', content: 'Summarise Macbeth.' }] });
    expect(other.choices[0]?.message.content).not.toBe(text);
  });

  it('counts prompt tokens by size, honours max_tokens and the output-size hints', async () => {
    const client = emulator.openai(newApiKey('sizes'));
    const short = await client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'x'.repeat(40) }] });
    const long = await client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'x'.repeat(4000) }] });
    expect((long.usage?.prompt_tokens ?? 0) - (short.usage?.prompt_tokens ?? 0)).toBe(990);

    const byMetadata = await client.chat.completions.create({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: 'hello' }],
      metadata: { emulator_output_tokens: '250' },
    });
    expect(byMetadata.usage?.completion_tokens).toBe(250);
    expect(byMetadata.choices[0]?.finish_reason).toBe('stop');

    const byDirective = await client.chat.completions.create({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: 'hello [emulator:output_tokens=40]' }],
    });
    expect(byDirective.usage?.completion_tokens).toBe(40);

    const capped = await client.chat.completions.create({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: 'hello [emulator:output_tokens=40]' }],
      max_completion_tokens: 7,
    });
    expect(capped.usage?.completion_tokens).toBe(7);
    expect(capped.choices[0]?.finish_reason).toBe('length');
  });

  it('streams data-only chunks that the SDK reassembles into the non-streamed answer, usage last', async () => {
    const client = emulator.openai(newApiKey('stream'));
    const messages = [{ role: 'user' as const, content: 'Stream me a short answer.' }];
    const whole = await client.chat.completions.create({ model: CHAT_MODEL, messages });

    const stream = await client.chat.completions.create({
      model: CHAT_MODEL,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      assertOpenAISchema('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
    }
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe(whole.choices[0]?.message.content);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(whole.usage);
    const finish = chunks.at(-2)?.choices[0];
    expect(finish?.delta).toEqual({});
    expect(finish?.finish_reason).toBe('stop');
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);

    const helper = await client.chat.completions.stream({ model: CHAT_MODEL, messages }).finalChatCompletion();
    expect(helper.choices[0]?.message.content).toBe(whole.choices[0]?.message.content);
  });

  it('paces a stream by the latency profile without changing what it says', async () => {
    await emulator.putProfile(CHAT_MODEL, { latency: { ttftMs: 20, tokensPerSecond: 2000 } });
    try {
      const client = emulator.openai(newApiKey('paced'));
      const messages = [{ role: 'user' as const, content: 'Pace this. [emulator:output_tokens=60]' }];
      const whole = await client.chat.completions.create({ model: CHAT_MODEL, messages });
      const paced = await client.chat.completions.stream({ model: CHAT_MODEL, messages }).finalChatCompletion();
      expect(paced.choices[0]?.message.content).toBe(whole.choices[0]?.message.content);
      expect(whole.usage?.completion_tokens).toBe(60);
    } finally {
      await emulator.removeProfile(CHAT_MODEL);
    }
  });

  it('echoes service_tier flex and bills it at the flex price; refuses flex where the model has none', async () => {
    const apiKey = newApiKey('flex');
    const client = emulator.openai(apiKey);
    const flex = await client.chat.completions.create({
      model: FLEX_MODEL,
      messages: [{ role: 'user', content: 'cheap and slow please' }],
      service_tier: 'flex',
    });
    expect(flex.service_tier).toBe('flex');
    const billing = await emulator.billing(apiKey);
    expect(billing.byModel).toHaveLength(1);
    expect(billing.byModel[0]).toMatchObject({ model: FLEX_MODEL, tier: 'flex', requests: 1 });
    const price = findModelPrice('openai', FLEX_MODEL);
    if (!price) throw new Error('catalog lacks the flex model');
    const expected = costUsd(price, { inputTokens: flex.usage?.prompt_tokens ?? 0, outputTokens: flex.usage?.completion_tokens ?? 0 }, 'flex');
    expect(billing.totals.costUsd).toBeCloseTo(expected, 12);

    const refusal = await client.chat.completions
      .create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'x' }], service_tier: 'flex' })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refusal as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('service_tier');
  });

  it('answers errors in OpenAI shape: unknown model 404, missing key 401, bad body 400', async () => {
    const client = emulator.openai(newApiKey('errors'));
    const unknown = await client.chat.completions
      .create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).requestID).toMatch(/^req_/);

    const missingKey = await fetch(`${emulator.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: CHAT_MODEL, messages: [] }),
    });
    expect(missingKey.status).toBe(401);
    expect(missingKey.headers.get('x-request-id')).toMatch(/^req_/);
    assertOpenAISchema('ErrorResponse', await missingKey.json());

    const badBody = await client.chat.completions.create({ model: CHAT_MODEL, messages: [] }).catch((error: unknown) => error);
    expect(badBody).toBeInstanceOf(OpenAI.BadRequestError);
    expect((badBody as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');
  });

  it('serves base64 embeddings (the SDK default) that decode to exactly the float vectors', async () => {
    const apiKey = newApiKey('embed');
    const client = emulator.openai(apiKey);
    const input = ['the quick brown fox', 'jumps over the lazy dog'];
    const decoded = await client.embeddings.create({ model: EMBEDDING_MODEL, input });
    const floats = { model: EMBEDDING_MODEL, input, encoding_format: 'float' as const };
    assertOpenAISchema('CreateEmbeddingResponse', await (await client.embeddings.create(floats).asResponse()).json());
    const data = await client.embeddings.create(floats);
    expect(decoded.data[0]?.embedding).toHaveLength(1536);
    expect(decoded.data.map((item) => item.embedding)).toEqual(data.data.map((item) => item.embedding));
    expect(decoded.data[0]?.embedding).not.toEqual(decoded.data[1]?.embedding);
    const norm = Math.hypot(...(data.data[0]?.embedding ?? []));
    expect(norm).toBeCloseTo(1, 5);
    expect(data.usage.prompt_tokens).toBe(5 + 6);

    const short = await client.embeddings.create({ model: EMBEDDING_MODEL, input: input[0] as string, dimensions: 256 });
    expect(short.data[0]?.embedding).toHaveLength(256);
    const billing = await emulator.billing(apiKey);
    expect(billing.totals.requests).toBe(4);
    expect(billing.totals.outputTokens).toBe(0);
  });

  describe('rate limits and injected faults', () => {
    afterEach(async () => {
      await emulator.removeProfile(CHAT_MODEL);
    });

    it('answers an injected 429 with retry-after, which the SDK honours; only the success is billed', async () => {
      await emulator.putProfile(CHAT_MODEL, { faults: { retryAfterMs: 50 } });
      await emulator.armFault(CHAT_MODEL, '429', 1);
      const apiKey = newApiKey('retry');
      const client = emulator.openai(apiKey, { maxRetries: 2 });
      const completion = await client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'retry me' }] });
      expect(completion.choices[0]?.message.content).toBeTruthy();
      const billing = await emulator.billing(apiKey);
      expect(billing.totals.requests).toBe(1);

      await emulator.armFault(CHAT_MODEL, '429', 1);
      const refused = await emulator
        .openai(apiKey)
        .chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'no retries' }] })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      const headers = (refused as InstanceType<typeof OpenAI.RateLimitError>).headers;
      expect(headers.get('retry-after')).toBe('1');
      expect(headers.get('retry-after-ms')).toBe('50');
      expect((await emulator.billing(apiKey)).totals.requests).toBe(1);
    });

    it('enforces RPM per key with x-ratelimit headers and a computed retry-after', async () => {
      await emulator.putProfile(CHAT_MODEL, { limits: { rpm: 2 } });
      const client = emulator.openai(newApiKey('rpm'));
      const ask = () => client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      const first = await ask();
      expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
      expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
      await ask();
      const third = await ask().catch((error: unknown) => error);
      expect(third).toBeInstanceOf(OpenAI.RateLimitError);
      const error = third as InstanceType<typeof OpenAI.RateLimitError>;
      expect(error.code).toBe('rate_limit_exceeded');
      expect(Number(error.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(error.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      // Another key has its own bucket.
      await emulator.openai(newApiKey('rpm-other')).chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    });

    it('injects 500s and timeouts that surface as the SDK errors a router must handle', async () => {
      const client = emulator.openai(newApiKey('faults'), { timeout: 300 });
      await emulator.armFault(CHAT_MODEL, '500', 1);
      const serverError = await client.chat.completions
        .create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'x' }] })
        .catch((error: unknown) => error);
      expect(serverError).toBeInstanceOf(OpenAI.InternalServerError);

      await emulator.armFault(CHAT_MODEL, 'timeout', 1);
      const timeout = await client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
      // Under Node this is an APIConnectionTimeoutError; inside Jest's VM the SDK cannot recognise the
      // abort as a timeout (the DOMException comes from another realm), so only the base class is certain.
      expect(timeout).toBeInstanceOf(OpenAI.APIConnectionError);
      expect((timeout as InstanceType<typeof OpenAI.APIConnectionError>).status).toBeUndefined();
    });

    it('fails the same requests for the same seed and rate', async () => {
      const outcomes = async (): Promise<string> => {
        await emulator.admin('PUT', '/seed', { seed: 11 });
        const client = emulator.openai(newApiKey('seeded'));
        let pattern = '';
        for (let i = 0; i < 20; i += 1) {
          pattern += await client.chat.completions
            .create({ model: CHAT_MODEL, messages: [{ role: 'user', content: `n${i}` }] })
            .then(() => '.')
            .catch(() => 'x');
        }
        return pattern;
      };
      await emulator.putProfile(CHAT_MODEL, { faults: { rate500: 0.3 } });
      const first = await outcomes();
      const second = await outcomes();
      expect(first).toBe(second);
      expect(first).toContain('x');
      expect(first).toContain('.');
      await emulator.admin('PUT', '/seed', { seed: 7 });
    });
  });
});
