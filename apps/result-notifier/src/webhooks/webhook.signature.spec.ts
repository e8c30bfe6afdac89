import { verifyStandardWebhook } from '../../test/standard-webhooks.reference';
import { signedWebhookHeaders, signWebhook, webhookSigningKey } from './webhook.signature';

const SECRET = `whsec_${Buffer.from('a-test-key-of-more-than-24-bytes!').toString('base64')}`;

describe('webhook signing', () => {
  it('matches the test vector published with the Standard Webhooks reference libraries', () => {
    const key = webhookSigningKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('produces headers that an independent Standard Webhooks receiver accepts', () => {
    const sentAt = new Date('2030-01-01T00:00:00.900Z');
    const body = JSON.stringify({ type: 'request.completed', data: { text: 'naïve ✓' } });
    const headers = signedWebhookHeaders([webhookSigningKey(SECRET)], 'acme.req-1.completed', sentAt, body);

    expect(headers['webhook-id']).toBe('acme.req-1.completed');
    expect(headers['webhook-timestamp']).toBe(String(Date.parse('2030-01-01T00:00:00Z') / 1000));
    expect(() => verifyStandardWebhook(SECRET, { ...headers }, body, sentAt)).not.toThrow();
  });

  it('gives signatures that fail for another body, id, timestamp or key', () => {
    const sentAt = new Date('2030-01-01T00:00:00Z');
    const body = '{"a":1}';
    const headers = { ...signedWebhookHeaders([webhookSigningKey(SECRET)], 'evt-1', sentAt, body) };
    const otherSecret = `whsec_${Buffer.from('another-key-of-more-than-24-bytes').toString('base64')}`;

    expect(() => verifyStandardWebhook(SECRET, headers, '{"a":2}', sentAt)).toThrow('no webhook-signature matches');
    expect(() => verifyStandardWebhook(SECRET, { ...headers, 'webhook-id': 'evt-2' }, body, sentAt)).toThrow('no webhook-signature matches');
    const later = String(Number(headers['webhook-timestamp']) + 1);
    expect(() => verifyStandardWebhook(SECRET, { ...headers, 'webhook-timestamp': later }, body, sentAt)).toThrow('no webhook-signature matches');
    expect(() => verifyStandardWebhook(otherSecret, headers, body, sentAt)).toThrow('no webhook-signature matches');
  });

  it('signs with every key of a rotation, so a receiver holding either secret verifies, and one holding neither does not', () => {
    const sentAt = new Date('2030-01-01T00:00:00Z');
    const body = '{"a":1}';
    const next = `whsec_${Buffer.from('the-next-key-of-more-than-24-bytes').toString('base64')}`;
    const stranger = `whsec_${Buffer.from('a-stranger-key-of-more-than-24-byte').toString('base64')}`;
    const headers = { ...signedWebhookHeaders([webhookSigningKey(next), webhookSigningKey(SECRET)], 'evt-1', sentAt, body) };

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => verifyStandardWebhook(next, headers, body, sentAt)).not.toThrow();
    expect(() => verifyStandardWebhook(SECRET, headers, body, sentAt)).not.toThrow();
    expect(() => verifyStandardWebhook(stranger, headers, body, sentAt)).toThrow('no webhook-signature matches');
  });

  it('signs with the decoded key bytes, not the text of the secret', () => {
    const key = webhookSigningKey(SECRET);
    expect(key.equals(Buffer.from('a-test-key-of-more-than-24-bytes!'))).toBe(true);
  });

  it('refuses a secret that is not in the whsec_ format', () => {
    expect(() => webhookSigningKey('plain-text-secret')).toThrow('starts with whsec_');
    expect(() => webhookSigningKey('whsec_')).toThrow('needs key bytes');
  });
});
