import { cachedTokenSource, jwtExpiryMs } from './oauth-token.source';

function jwt(claims: object): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** A fetch that hands out the given tokens in turn and counts its calls. */
function fetches(...tokens: string[]): (() => Promise<string>) & { calls: number } {
  const fetch = Object.assign(
    () => {
      fetch.calls += 1;
      const token = tokens.shift();
      return token === undefined ? Promise.reject(new Error('token tool failed')) : Promise.resolve(token);
    },
    { calls: 0 },
  );
  return fetch;
}

describe('jwtExpiryMs', () => {
  it('reads the exp claim of a JWT in milliseconds', () => {
    expect(jwtExpiryMs(jwt({ sub: 's', exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
  });

  it('is undefined for an opaque token or a JWT without exp', () => {
    expect(jwtExpiryMs('opaque-bearer-token')).toBeUndefined();
    expect(jwtExpiryMs(jwt({ sub: 's' }))).toBeUndefined();
    expect(jwtExpiryMs('a.!!!.c')).toBeUndefined();
  });
});

describe('cachedTokenSource', () => {
  it('reuses a token until the refresh interval has passed, then fetches again', async () => {
    let now = 0;
    const fetch = fetches('first', 'second');
    const token = cachedTokenSource(fetch, { refreshMs: 60_000, now: () => now });
    await expect(token()).resolves.toBe('first');
    now = 59_999;
    await expect(token()).resolves.toBe('first');
    now = 60_000;
    await expect(token()).resolves.toBe('second');
    expect(fetch.calls).toBe(2);
  });

  it('fetches a JWT again 30 s before it expires, even within the refresh interval', async () => {
    let now = 1_000_000;
    const fetch = fetches(jwt({ exp: 1_100 }), 'next');
    const token = cachedTokenSource(fetch, { refreshMs: 3_600_000, now: () => now });
    await token();
    now = 1_069_999;
    await token();
    expect(fetch.calls).toBe(1);
    now = 1_070_000;
    await expect(token()).resolves.toBe('next');
  });

  it('shares one fetch between concurrent authentications and keeps no failure', async () => {
    const fetch = fetches();
    const token = cachedTokenSource(fetch, { refreshMs: 60_000, now: () => 0 });
    await expect(Promise.all([token(), token(), token()])).rejects.toThrow('token tool failed');
    expect(fetch.calls).toBe(1);
    await expect(token()).rejects.toThrow('token tool failed');
    expect(fetch.calls).toBe(2);
  });
});
