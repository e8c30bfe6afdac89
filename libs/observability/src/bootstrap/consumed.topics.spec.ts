import { InferenceRequestV1 } from '@sluice/contracts';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import type { ConsumedMessage } from '@sluice/kafka';
import { topicContracts } from './consumed.topics';

const message = {} as ConsumedMessage;

describe('topicContracts', () => {
  const contracts = topicContracts({ 'validated.v1': InferenceRequestV1, 'raw.v1': 'json-object' });
  const validate = (topic: string, plain: unknown) => contracts[topic]!.validate!(plain, message);

  it('validates a contract class topic against its class', () => {
    const valid = validate('validated.v1', sampleRequest({ tenant: 'acme' }));
    expect(valid.ok && valid.value).toBeInstanceOf(InferenceRequestV1);
    expect(validate('validated.v1', { tenant: 'acme' })).toMatchObject({
      ok: false,
      errors: expect.arrayContaining([expect.objectContaining({ field: 'body' })]),
    });
  });

  it('hands a json-object topic any JSON object whole, unvalidated', () => {
    const plain = { tenant: 'Not Valid', anything: { nested: [1, 2] }, body: 'not an object' };
    const outcome = validate('raw.v1', plain);

    expect(outcome.ok).toBe(true);
    expect(outcome.ok && outcome.value).toBe(plain);
  });

  it('refuses what is not a JSON object on a json-object topic, which the transport dead-letters', () => {
    for (const plain of [[1, 2], 'text', 42, null]) {
      expect(validate('raw.v1', plain)).toEqual({
        ok: false,
        errors: [{ code: 'VALIDATION_FAILED', message: 'the message must be a JSON object', field: '' }],
      });
    }
  });
});
