import { credentialsFrom, credentialsOfKey } from './bearer-token';

const KEY = `slc_0123456789ab_${'s'.repeat(43)}`;

describe('credentialsFrom', () => {
  it('reads the API key of a Bearer header, whatever the scheme case', () => {
    expect(credentialsFrom(`Bearer ${KEY}`)).toEqual({ ok: true, apiKey: KEY });
    expect(credentialsFrom(`bearer   ${KEY} `)).toEqual({ ok: true, apiKey: KEY });
  });

  it.each([
    ['no header', undefined, 'send an API key'],
    ['an empty header', '  ', 'send an API key'],
    ['another scheme', `Basic ${KEY}`, 'must be "Bearer <api key>"'],
    ['two tokens', `Bearer ${KEY} extra`, 'must be "Bearer <api key>"'],
    ['a key of another shape', 'Bearer sk-12345', 'malformed'],
  ])('refuses %s without repeating what was sent', (_case, header, reason) => {
    const credentials = credentialsFrom(header);
    expect(credentials.ok).toBe(false);
    const reasonText = credentials.ok ? '' : credentials.reason;
    expect(reasonText).toContain(reason);
    expect(reasonText).not.toContain(KEY);
  });
});

describe('credentialsOfKey', () => {
  it('reads a header that carries the key alone', () => {
    expect(credentialsOfKey(` ${KEY} `)).toEqual({ ok: true, apiKey: KEY });
  });

  it.each([[undefined], [''], ['sk-ant-12345'], [`Bearer ${KEY}`]])('refuses %j without repeating it', (header) => {
    const credentials = credentialsOfKey(header);
    expect(credentials.ok).toBe(false);
    expect(credentials.ok ? '' : credentials.reason).not.toContain(KEY);
  });
});
