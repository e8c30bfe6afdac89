import { sseComment, sseFrame } from './sse.frames';

describe('SSE frames', () => {
  it('writes id, event and one line of JSON data, ended by a blank line', () => {
    expect(sseFrame({ event: 'routed', id: 'acme.r-1.routed', data: { lane: 'batch' } })).toBe(
      'id: acme.r-1.routed\nevent: routed\ndata: {"lane":"batch"}\n\n',
    );
  });

  it('leaves out the id when there is none', () => {
    expect(sseFrame({ event: 'status', data: { status: 'accepted' } })).toBe('event: status\ndata: {"status":"accepted"}\n\n');
  });

  it('keeps line breaks in data escaped, so a frame cannot be split or forged', () => {
    const frame = sseFrame({ event: 'chunk', data: { delta: 'two\nlines\n\nevent: forged' } });
    expect(frame.split('\n\n')).toHaveLength(2);
    expect(frame.endsWith('\n\n')).toBe(true);
    expect(JSON.parse(frame.split('\n')[1].slice('data: '.length))).toEqual({ delta: 'two\nlines\n\nevent: forged' });
  });

  it('flattens line breaks in ids and event names', () => {
    expect(sseFrame({ event: 'a\nevent: b', id: 'x\r\ny', data: 1 })).toBe('id: x y\nevent: a event: b\ndata: 1\n\n');
  });

  it('writes comments clients ignore', () => {
    expect(sseComment('keep-alive')).toBe(': keep-alive\n\n');
  });
});
