import { MessageEventStream, messagesCallOf } from './anthropic-messages.mapping';

function events(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown> };
    });
}

const message = (blocks: string[], extra: Record<string, unknown> = {}) => ({
  id: 'msg_x',
  type: 'message',
  content: blocks.map((text) => ({ type: 'text', text })),
  stop_reason: 'max_tokens',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 3 },
  ...extra,
});

describe('messagesCallOf', () => {
  it("takes `stream` out of the provider's body", () => {
    expect(messagesCallOf({ model: 'claude-haiku-4-5', max_tokens: 8, messages: [], stream: true })).toEqual({
      ok: true,
      value: { body: { model: 'claude-haiku-4-5', max_tokens: 8, messages: [] }, stream: true },
    });
  });

  it('refuses a body that is not an object, or a stream that is not a boolean', () => {
    expect(messagesCallOf('hi')).toMatchObject({ ok: false });
    expect(messagesCallOf({ model: 'm', stream: 1 })).toMatchObject({ ok: false, param: 'stream' });
  });
});

describe('MessageEventStream', () => {
  it("streams Anthropic's named events in their order, each event's type in its data", () => {
    const stream = new MessageEventStream('msg_req_1', 'claude-haiku-4-5');
    const all = events(stream.opening() + stream.delta('one ') + stream.delta('two') + stream.closing(message(['one two three'])));

    expect(all.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const { event, data } of all) expect(data.type).toBe(event);
    expect(all[0].data.message).toMatchObject({ id: 'msg_req_1', model: 'claude-haiku-4-5', content: [], stop_reason: null });
    expect(all.filter((event) => event.event === 'content_block_delta').map((event) => event.data.delta)).toEqual([
      { type: 'text_delta', text: 'one ' },
      { type: 'text_delta', text: 'two' },
      { type: 'text_delta', text: ' three' },
    ]);
    expect(all[7].data).toMatchObject({ delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { input_tokens: 12, output_tokens: 3 } });
  });

  it('sends an answer that came without chunks whole, and later text blocks as blocks of their own', () => {
    const stream = new MessageEventStream('m', 'c');
    const all = events(stream.opening() + stream.closing(message(['first', 'second'])));
    const blocks = all.filter((event) => event.event.startsWith('content_block'));
    expect(blocks.map((event) => [event.event, event.data.index])).toEqual([
      ['content_block_start', 0],
      ['content_block_delta', 0],
      ['content_block_stop', 0],
      ['content_block_start', 1],
      ['content_block_delta', 1],
      ['content_block_stop', 1],
    ]);
    expect(blocks[1].data.delta).toEqual({ type: 'text_delta', text: 'first' });
    expect(blocks[4].data.delta).toEqual({ type: 'text_delta', text: 'second' });
  });

  it('writes an error after the stream began as an error event', () => {
    expect(events(new MessageEventStream('m', 'c').error('timeout_error', 'late'))).toEqual([
      { event: 'error', data: { type: 'error', error: { type: 'timeout_error', message: 'late' } } },
    ]);
  });
});
