import { isJsonlContentType, parseJobOptions, resolveJobDefaults } from './job-options.parser';

describe('parseJobOptions', () => {
  it('reads the job id and the defaults as written', () => {
    expect(parseJobOptions({ id: 'nightly-2030_01', deadline: '6h', mode: 'auto', provider: 'openai', operation: 'embedding' })).toEqual({
      ok: true,
      jobId: 'nightly-2030_01',
      options: { deadline: '6h', mode: 'auto', provider: 'openai', operation: 'embedding' },
    });
    expect(parseJobOptions({})).toEqual({ ok: true, options: {} });
    expect(parseJobOptions({ deadline: '2030-01-01T06:00:00+01:00' })).toEqual({ ok: true, options: { deadline: '2030-01-01T06:00:00+01:00' } });
  });

  it.each([
    [{ deadlin: '6h' }, 'deadlin', 'UNKNOWN_FIELD'],
    [{ deadline: '6' }, 'deadline', 'INVALID_FIELD'],
    [{ deadline: '0s' }, 'deadline', 'INVALID_FIELD'],
    [{ deadline: '31d' }, 'deadline', 'INVALID_FIELD'],
    [{ deadline: '2030-01-01T06:00:00' }, 'deadline', 'INVALID_FIELD'],
    [{ mode: 'soon' }, 'mode', 'INVALID_FIELD'],
    [{ provider: 'gemini' }, 'provider', 'INVALID_FIELD'],
    [{ operation: 'image' }, 'operation', 'INVALID_FIELD'],
    [{ id: 'x'.repeat(49) }, 'id', 'INVALID_FIELD'],
    [{ id: 'has space' }, 'id', 'INVALID_FIELD'],
    [{ mode: ['auto', 'batch'] }, 'mode', 'INVALID_FIELD'],
  ])('refuses %j naming %s', (query, field, code) => {
    const parsed = parseJobOptions(query);
    expect(parsed).toMatchObject({ ok: false, error: { field, code, message: expect.any(String) } });
  });
});

describe('resolveJobDefaults', () => {
  const created = new Date('2030-01-01T00:00:00.000Z');

  it('fixes a relative deadline at the creation time and keeps an instant as given', () => {
    expect(resolveJobDefaults({ deadline: '6h', mode: 'auto' }, created)).toEqual({ deadline: '2030-01-01T06:00:00.000Z', mode: 'auto' });
    expect(resolveJobDefaults({ deadline: '2030-01-02T00:00:00+02:00' }, created)).toEqual({ deadline: '2030-01-01T22:00:00.000Z' });
    expect(resolveJobDefaults({ provider: 'anthropic' }, created)).toEqual({ provider: 'anthropic' });
  });
});

describe('isJsonlContentType', () => {
  it.each([
    ['application/x-ndjson', true],
    ['application/jsonl; charset=utf-8', true],
    ['Application/X-JSONLines', true],
    ['application/json', false],
    ['text/plain', false],
    [undefined, false],
  ])('%s: %s', (type, expected) => {
    expect(isJsonlContentType(type)).toBe(expected);
  });
});
