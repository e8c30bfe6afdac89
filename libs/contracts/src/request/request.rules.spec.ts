import { sampleRequest } from '../testing/message.samples';
import { validateRequest } from './inference-request.v1';

function firstError(overrides: Record<string, unknown>) {
  const outcome = validateRequest(sampleRequest(overrides));
  return outcome.ok ? undefined : { code: outcome.errors[0].code, field: outcome.errors[0].field };
}

const chat = (body: Record<string, unknown>) => ({ body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], ...body } });
const embedding = (body: Record<string, unknown>) => ({ operation: 'embedding', body: { model: 'text-embedding-3-small', ...body } });

describe('the rules of a request beyond its decorators', () => {
  it('takes one choice and output limits within range', () => {
    expect(firstError(chat({ n: 1, max_tokens: 1, max_completion_tokens: 1_000_000 }))).toBeUndefined();
    expect(firstError(chat({ n: 128 }))).toBeUndefined();
    expect(firstError(embedding({ input: ['a', 'b'] }))).toBeUndefined();
    expect(firstError({ ...chat({}), stream: true })).toBeUndefined();
  });

  it.each([
    ['n of no choices', chat({ n: 0 }), 'INVALID_FIELD', 'body.n'],
    ['n above what the provider takes', chat({ n: 129 }), 'INVALID_FIELD', 'body.n'],
    ['n that is not a number', chat({ n: '1' }), 'INVALID_FIELD', 'body.n'],
    ['max_tokens of 0', chat({ max_tokens: 0 }), 'INVALID_FIELD', 'body.max_tokens'],
    ['a fractional max_completion_tokens', chat({ max_completion_tokens: 1.5 }), 'INVALID_FIELD', 'body.max_completion_tokens'],
    ['max_tokens above any model', chat({ max_tokens: 1_000_001 }), 'INVALID_FIELD', 'body.max_tokens'],
    ['a chat without messages', { body: { model: 'gpt-4o-mini' } }, 'MISSING_FIELD', 'body.messages'],
    ['messages that are not an array', chat({ messages: { role: 'user' } }), 'INVALID_FIELD', 'body.messages'],
    ['an embedding without input', embedding({}), 'MISSING_FIELD', 'body.input'],
    ['an input that is neither text nor an array', embedding({ input: { text: 'x' } }), 'INVALID_FIELD', 'body.input'],
    ['a streamed embedding', { ...embedding({ input: 'x' }), stream: true }, 'INVALID_FIELD', 'stream'],
    ['a constructor key', { constructor: 'x' }, 'UNKNOWN_FIELD', 'constructor'],
  ])('refuses %s', (_case, overrides, code, field) => {
    expect(firstError(overrides)).toEqual({ code, field });
  });

  it('refuses a __proto__ key as data, not as the prototype', () => {
    const plain = JSON.parse(`{"__proto__": {"mode": "realtime"}, ${JSON.stringify(sampleRequest()).slice(1)}`) as unknown;
    const outcome = validateRequest(plain);
    expect(outcome.ok ? [] : outcome.errors.map((error) => [error.code, error.field])).toEqual([['UNKNOWN_FIELD', '__proto__']]);
  });

  it('reports a rule after the decorators, and a field once', () => {
    const outcome = validateRequest(sampleRequest({ mode: 'whenever', body: { model: 'gpt-4o-mini', n: 0, messages: [] } }));
    expect(outcome.ok ? [] : outcome.errors.map((error) => error.field)).toEqual(['mode', 'body.n']);
  });
});
