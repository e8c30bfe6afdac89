import { validateMessage } from '@sluice/contracts';
import { RawRequestMessage } from './raw-request.message';

describe('RawRequestMessage', () => {
  it('passes any JSON object through whole, whatever its fields', () => {
    const plain = { tenant: 'acme', anything: { nested: [1, 2] }, body: 'not an object' };
    const outcome = validateMessage(RawRequestMessage, plain);

    expect(outcome.ok).toBe(true);
    expect(outcome.ok && outcome.value.value).toBe(plain);
  });

  it('still refuses what is not a JSON object, which the transport dead-letters', () => {
    expect(validateMessage(RawRequestMessage, [1, 2]).ok).toBe(false);
    expect(validateMessage(RawRequestMessage, 'text').ok).toBe(false);
    expect(validateMessage(RawRequestMessage, null).ok).toBe(false);
  });
});
