import { InferenceRequestV1, validateMessage } from '@sluice/contracts';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { cacheContentHash, generateApiKey, hashApiKey, requestFingerprint, requestHashes } from './ledger.hashing';

function request(overrides: Record<string, unknown> = {}): InferenceRequestV1 {
  const outcome = validateMessage(InferenceRequestV1, sampleRequest(overrides));
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

describe('ledger hashing', () => {
  it('fingerprints a request independently of its id, key order and spelled-out defaults', () => {
    const base = request();
    expect(requestFingerprint(request({ id: 'other' }))).toBe(requestFingerprint(base));
    expect(requestFingerprint(request({ body: { temperature: 0, messages: [{ content: 'Hello', role: 'user' }], model: 'gpt-4o-mini' } }))).toBe(
      requestFingerprint(base),
    );
    const { mode: _mode, cache: _cache, stream: _stream, ...withoutDefaults } = sampleRequest();
    expect(requestFingerprint(request(withoutDefaults))).toBe(requestFingerprint(base));
  });

  it('changes the fingerprint with any content', () => {
    const base = requestFingerprint(request());
    expect(requestFingerprint(request({ body: { model: 'gpt-4o-mini' } }))).not.toBe(base);
    expect(requestFingerprint(request({ metadata: { job: 'other' } }))).not.toBe(base);
    expect(requestFingerprint(request({ mode: 'batch' }))).not.toBe(base);
  });

  it('keys the cache on provider, operation and body only', () => {
    const body = { model: 'text-embedding-3-small', input: 'x' };
    expect(cacheContentHash('openai', 'embedding', body)).toBe(cacheContentHash('openai', 'embedding', { input: 'x', model: 'text-embedding-3-small' }));
    expect(cacheContentHash('openai', 'embedding', body)).not.toBe(cacheContentHash('openai', 'chat', body));
    expect(cacheContentHash('openai', 'embedding', body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('works out both hashes at once exactly as each alone would', () => {
    const samples = [
      request(),
      request({ body: { temperature: 0, messages: [{ content: 'Hello', role: 'user' }], model: 'gpt-4o-mini' } }),
      request({ operation: 'embedding', body: { model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 8 }, metadata: { job: 'x' } }),
      request({ provider: 'anthropic', body: { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'é "quoted" \u2028' }] } }),
    ];
    for (const sample of samples) {
      expect(requestHashes(sample)).toEqual({
        fingerprint: requestFingerprint(sample),
        contentHash: cacheContentHash(sample.provider, sample.operation, sample.body),
      });
    }
  });

  it('issues distinct keys whose prefix is embedded and whose hash is stable', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.key.startsWith(`slc_${a.prefix}_`)).toBe(true);
    expect(hashApiKey(a.key)).toBe(hashApiKey(a.key));
    expect(hashApiKey(a.key)).not.toBe(hashApiKey(b.key));
  });
});
