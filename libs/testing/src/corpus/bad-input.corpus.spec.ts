import { badInputCorpus, DEEP_NESTING_LEVELS, httpBadInputCorpus, OVERSIZE_PROMPT_BYTES } from './bad-input.corpus';

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

describe('the bad-input corpus', () => {
  const corpus = badInputCorpus('run-1', { tenant: 'acme' });

  it('has at least 30 kinds, each once', () => {
    const kinds = corpus.map((item) => item.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(kinds.length).toBeGreaterThanOrEqual(30);
  });

  it('names every request by a valid id prefixed with the run, so concurrent runs never collide', () => {
    const ids = corpus.flatMap((item) => (item.requestId === undefined ? [] : [item.requestId]));
    expect(ids.length).toBeGreaterThanOrEqual(30);
    for (const id of ids) expect(id).toMatch(REQUEST_ID);
    for (const id of ids) expect(id.startsWith('run-1-')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(badInputCorpus('run-2').some((item) => item.requestId !== undefined && ids.includes(item.requestId))).toBe(false);
  });

  it('sends the oversize prompt over 2 MB and the deep request nested thousands of levels', () => {
    const oversize = corpus.find((item) => item.kind === 'oversize-prompt')!;
    expect(Buffer.byteLength(oversize.value)).toBeGreaterThan(OVERSIZE_PROMPT_BYTES);
    const deep = corpus.find((item) => item.kind === 'deep-nesting')!.value.toString();
    expect(deep).toContain('['.repeat(DEEP_NESTING_LEVELS));
  });

  it('sends the invalid UTF-8 case as bytes no strict decoder reads', () => {
    const value = corpus.find((item) => item.kind === 'invalid-utf8')!.value;
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(value as Buffer)).toThrow(/not valid/);
  });

  it('sets up the duplicate id with a valid request under the same id and a different body', () => {
    const duplicate = corpus.find((item) => item.kind === 'duplicate-id-conflict')!;
    const first = JSON.parse(duplicate.setup!.value) as { id: string; body: unknown };
    const second = JSON.parse(duplicate.value.toString()) as { id: string; body: unknown };
    expect(first.id).toBe(duplicate.requestId);
    expect(second.id).toBe(duplicate.requestId);
    expect(second.body).not.toEqual(first.body);
  });

  it('refuses a run that would make invalid ids', () => {
    expect(() => badInputCorpus('no spaces')).toThrow(/run must be/);
    expect(() => badInputCorpus('r'.repeat(25))).toThrow(/run must be/);
  });

  it('has an HTTP variant for single requests, bulk items and job lines, without the tenant the API key gives', () => {
    const http = httpBadInputCorpus('run-1', { tenant: 'acme' });
    for (const place of ['request', 'bulk-item', 'job-line'] as const) {
      expect(http.filter((item) => item.place === place).length).toBeGreaterThanOrEqual(30);
    }
    const ids = http.flatMap((item) => (item.requestId === undefined ? [] : [item.requestId]));
    for (const id of ids) expect(id).toMatch(REQUEST_ID);
    expect(new Set(ids).size).toBe(ids.length);
    const item = http.find((candidate) => candidate.place === 'request' && candidate.kind === 'mode-unknown')!;
    expect(JSON.parse(item.body.toString())).not.toHaveProperty('tenant');
  });
});
