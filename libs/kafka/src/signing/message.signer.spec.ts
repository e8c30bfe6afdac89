import { INTERNAL_SIGNATURE_HEADER } from '@sluice/contracts';
import type { ConsumedMessage } from '../port/message.types';
import { authenticator } from './message.authentication';
import { MessageSigner } from './message.signer';

const TOPIC = 'sluice.results.v1';

/** The message as a consumer reads what `signer` produced. */
function consumed(signer: MessageSigner, topic: string, key: string | null, value: string): ConsumedMessage {
  const wire = signer.sign(topic, { key, value, headers: { 'x-correlation-id': 'c-1' } });
  return { topic, partition: 0, offset: '7', key: key === null ? null : Buffer.from(key), value: Buffer.from(value), headers: wire.headers!, timestamp: '0' };
}

describe('MessageSigner', () => {
  const signer = new MessageSigner('a-key-of-at-least-thirty-two-characters');

  it('verifies what it signed, keeping the other headers', () => {
    const message = consumed(signer, TOPIC, 'req-1', '{"id":"req-1"}');
    expect(message.headers['x-correlation-id']).toBe('c-1');
    expect(message.headers[INTERNAL_SIGNATURE_HEADER]).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
    expect(signer.check(message)).toEqual({ ok: true });
    expect(signer.check(consumed(signer, TOPIC, null, '{}'))).toEqual({ ok: true });
  });

  it('refuses a message without a signature, and one whose value, key or topic changed', () => {
    const message = consumed(signer, TOPIC, 'req-1', '{"status":"succeeded"}');
    const { [INTERNAL_SIGNATURE_HEADER]: _signature, ...unsigned } = message.headers;
    expect(signer.check({ ...message, headers: unsigned })).toMatchObject({ ok: false, code: 'SIGNATURE_MISSING' });
    expect(signer.check({ ...message, value: Buffer.from('{"status":"failed"}') })).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(signer.check({ ...message, key: Buffer.from('req-2') })).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(signer.check({ ...message, topic: 'sluice.events.v1' })).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(signer.check({ ...message, headers: { ...message.headers, [INTERNAL_SIGNATURE_HEADER]: 'v1.short' } })).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses what another key signed (the development key included)', () => {
    expect(signer.check(consumed(new MessageSigner(), TOPIC, 'req-1', '{}'))).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(signer.check(consumed(new MessageSigner('another-key-of-at-least-thirty-two-chars'), TOPIC, 'req-1', '{}'))).toMatchObject({ ok: false });
  });

  it('replaces a signature the message already carried (a replayed record)', () => {
    const other = new MessageSigner('another-key-of-at-least-thirty-two-chars');
    const replayed = signer.sign(TOPIC, other.sign(TOPIC, { key: 'req-1', value: '{}' }));
    expect(replayed.headers![INTERNAL_SIGNATURE_HEADER]).toBe(signer.signatureOf(TOPIC, 'req-1', '{}'));
  });
});

describe('MessageSigner during a key rotation', () => {
  const OLD = 'the-old-key-of-at-least-thirty-two-chars';
  const NEW = 'the-new-key-of-at-least-thirty-two-chars';
  const rotated = new MessageSigner(NEW, [OLD]);

  it('signs with the current key only', () => {
    const message = consumed(rotated, TOPIC, 'req-1', '{}');
    expect(message.headers[INTERNAL_SIGNATURE_HEADER]).toBe(new MessageSigner(NEW).signatureOf(TOPIC, 'req-1', '{}'));
    expect(new MessageSigner(OLD).check(message)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });

  it('accepts what a previous key signed, and what the current key signed', () => {
    expect(rotated.check(consumed(new MessageSigner(OLD), TOPIC, 'req-1', '{}'))).toEqual({ ok: true });
    expect(rotated.check(consumed(new MessageSigner(NEW), TOPIC, 'req-1', '{}'))).toEqual({ ok: true });
  });

  it('refuses what a key that is neither current nor previous signed, and an altered message signed with a previous key', () => {
    const unknown = consumed(new MessageSigner('an-unknown-key-of-at-least-thirty-two-c'), TOPIC, 'req-1', '{}');
    expect(rotated.check(unknown)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    const altered = { ...consumed(new MessageSigner(OLD), TOPIC, 'req-1', '{}'), value: Buffer.from('{"forged":true}') };
    expect(rotated.check(altered)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });

  it('no longer accepts the old key once it is dropped from the previous keys', () => {
    expect(new MessageSigner(NEW).check(consumed(new MessageSigner(OLD), TOPIC, 'req-1', '{}'))).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });
});

describe('authenticator', () => {
  const signer = new MessageSigner('a-key-of-at-least-thirty-two-characters');
  const refused: string[] = [];
  const check = authenticator({ signer, topics: [TOPIC], onRefused: (topic, code) => refused.push(`${topic} ${code}`) });

  it('passes signed messages and messages of unchecked topics, refuses and counts the rest with a dead-letter reason', () => {
    expect(check(consumed(signer, TOPIC, 'a', '{}'))).toBeUndefined();
    const forged = { ...consumed(signer, TOPIC, 'a', '{}'), value: Buffer.from('{"forged":true}') };
    expect(check(forged)).toEqual({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('does not match') as unknown, attempts: 1 });
    const intake: ConsumedMessage = {
      topic: 'sluice.requests.v1',
      partition: 0,
      offset: '1',
      key: null,
      value: Buffer.from('{}'),
      headers: {},
      timestamp: '0',
    };
    expect(check(intake)).toBeUndefined();
    expect(refused).toEqual([`${TOPIC} SIGNATURE_INVALID`]);
  });
});
