import { parseLimit, parseRequestSearch } from './console.params';

describe('console parameters', () => {
  it('reads a request search, metadata as key=value pairs', () => {
    expect(parseRequestSearch({ id: ' r1 ', meta: 'team=search, env=prod', limit: '10' })).toEqual({
      ok: true,
      search: { id: 'r1', tenant: undefined, status: undefined, metadata: { team: 'search', env: 'prod' }, limit: 10 },
    });
    expect(parseRequestSearch({})).toMatchObject({ ok: true, search: { limit: 50, metadata: undefined } });
  });

  it.each([
    [{ meta: 'team' }, 'meta', 'INVALID_FIELD'],
    [{ limit: '0' }, 'limit', 'INVALID_FIELD'],
    [{ limit: '201' }, 'limit', 'INVALID_FIELD'],
    [{ id: ['a', 'b'] }, 'id', 'INVALID_FIELD'],
    [{ sql: 'drop' }, 'sql', 'UNKNOWN_FIELD'],
  ])('refuses %j naming %s', (query, field, code) => {
    expect(parseRequestSearch(query)).toMatchObject({ ok: false, error: { field, code, message: expect.any(String) } });
  });

  it('bounds a listing', () => {
    expect(parseLimit(undefined)).toEqual({ ok: true, limit: 50 });
    expect(parseLimit('200')).toEqual({ ok: true, limit: 200 });
    expect(parseLimit('x')).toMatchObject({ ok: false });
  });
});
