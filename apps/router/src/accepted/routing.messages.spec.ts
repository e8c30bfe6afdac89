import { withMember } from './routing.messages';

const parse = (bytes: Buffer | undefined): unknown => (bytes === undefined ? undefined : JSON.parse(bytes.toString('utf8')));

describe('withMember', () => {
  it('appends a member to a JSON object, whatever whitespace surrounds it', () => {
    expect(parse(withMember(Buffer.from('{"a":1}'), 'routing', { lane: 'batch' }))).toEqual({ a: 1, routing: { lane: 'batch' } });
    expect(parse(withMember(Buffer.from(' \n{ "a" : [1, {"b": "}"}] }\r\n\t'), 'r', 'x'))).toEqual({ a: [1, { b: '}' }], r: 'x' });
    expect(parse(withMember(Buffer.from('{"text":"é ✓"}'), 'n', 2))).toEqual({ text: 'é ✓', n: 2 });
  });

  it('declines what is not a non-empty JSON object', () => {
    for (const text of ['{}', '{ \n }', '[1]', '"{}"', '', '   ', '{"a":1']) {
      expect(withMember(Buffer.from(text), 'routing', 1)).toBeUndefined();
    }
  });
});
