import { ChatChunkStream, chatCallOf } from './openai-chat.mapping';

function payloads(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      expect(frame.startsWith('data: ')).toBe(true);
      const data = frame.slice('data: '.length);
      return data === '[DONE]' ? data : (JSON.parse(data) as unknown);
    });
}

const completion = (content: string, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-x',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  ...extra,
});

describe('chatCallOf', () => {
  it("takes the streaming switches out of the provider's body", () => {
    const parsed = chatCallOf({ model: 'gpt-4o-mini', messages: [], stream: true, stream_options: { include_usage: true }, temperature: 0 });
    expect(parsed).toEqual({ ok: true, value: { body: { model: 'gpt-4o-mini', messages: [], temperature: 0 }, stream: true, includeUsage: true } });
    expect(chatCallOf({ model: 'm', messages: [] })).toMatchObject({ ok: true, value: { stream: false, includeUsage: false } });
  });

  it.each([
    [[], null],
    [{ model: 'm', stream: 'yes' }, 'stream'],
    [{ model: 'm', stream: true, stream_options: 'usage' }, 'stream_options'],
    [{ model: 'm', stream_options: { include_usage: true } }, 'stream_options'],
  ])('refuses %j, naming %s', (body, param) => {
    expect(chatCallOf(body)).toMatchObject({ ok: false, param });
  });
});

describe('ChatChunkStream', () => {
  it('streams role, deltas, finish reason, the usage chunk and [DONE], under one id', () => {
    const stream = new ChatChunkStream('chatcmpl-req_1', 'gpt-4o-mini', 1_900_000_000, true);
    const text = stream.opening() + stream.delta('Hi ') + stream.delta('') + stream.delta('you') + stream.closing(completion('Hi you'));
    const events = payloads(text);

    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Array<{ id: string; object: string; created: number; model: string; choices: unknown[]; usage: unknown }>;
    expect(chunks.map((chunk) => chunk.choices)).toEqual([
      [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { content: 'Hi ' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { content: 'you' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
      [],
    ]);
    expect(new Set(chunks.map((chunk) => `${chunk.id} ${chunk.object} ${chunk.created} ${chunk.model}`))).toEqual(
      new Set(['chatcmpl-req_1 chat.completion.chunk 1900000000 gpt-4o-mini']),
    );
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it('sends an answer that came without chunks (the cache) whole, and no usage unless asked for', () => {
    const stream = new ChatChunkStream('c', 'm', 1, false);
    const events = payloads(stream.opening() + stream.closing(completion('All at once'))) as Array<Record<string, unknown>>;
    expect(events.map((event) => (event === ('[DONE]' as unknown) ? event : event.choices))).toEqual([
      [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: { content: 'All at once' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
      '[DONE]',
    ]);
    expect(events.some((event) => typeof event === 'object' && 'usage' in event)).toBe(false);
  });

  it('completes text the chunks left short, and sends the other choices whole', () => {
    const stream = new ChatChunkStream('c', 'm', 1, false);
    stream.delta('Hel');
    const twoChoices = {
      choices: [
        { index: 0, message: { content: 'Hello' }, finish_reason: 'length' },
        { index: 1, message: { content: 'Bye' }, finish_reason: 'stop' },
      ],
    };
    const choices = (payloads(stream.closing(twoChoices)).slice(0, -1) as Array<{ choices: unknown[] }>).map((chunk) => chunk.choices[0]);
    expect(choices).toEqual([
      { index: 0, delta: { content: 'lo' }, logprobs: null, finish_reason: null },
      { index: 1, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 1, delta: { content: 'Bye' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'length' },
      { index: 1, delta: {}, logprobs: null, finish_reason: 'stop' },
    ]);
  });

  it('writes an error after the stream began as a data event with an error key', () => {
    const body = { error: { message: 'late', type: 'server_error', param: null, code: 'deadline_exceeded' } };
    expect(payloads(new ChatChunkStream('c', 'm', 1, false).error(body))).toEqual([body]);
  });
});
