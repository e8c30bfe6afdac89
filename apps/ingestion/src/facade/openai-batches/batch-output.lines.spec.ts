import type { InferenceResultV1 } from '@sluice/contracts';
import { sampleResult } from '@sluice/contracts/testing/message.samples';
import { refusedLine, resultLine } from './batch-output.lines';

const result = (extra: Record<string, unknown>) =>
  sampleResult({ id: 'batch_1-3', tenant: 'acme', lane: 'batch', metadata: { custom_id: 'q-3' }, ...extra }) as unknown as InferenceResultV1;

describe('batch output lines', () => {
  it("writes a succeeded result in OpenAI's line format, with Sluice's request, lane and cost", () => {
    const succeeded = result({ status: 'succeeded', response: { id: 'chatcmpl-1' }, providerRequestId: 'req_p' });
    expect(JSON.parse(resultLine(succeeded))).toEqual({
      id: 'batch_req_batch_1-3',
      custom_id: 'q-3',
      response: { status_code: 200, request_id: 'req_p', body: { id: 'chatcmpl-1' } },
      error: null,
      sluice: { request_id: 'batch_1-3', lane: 'batch', cost_usd: succeeded.cost.usd },
    });
  });

  it("writes a failed result as an HTTP error line, its body in OpenAI's error shape", () => {
    const failed = result({ status: 'failed', response: undefined, error: { code: 'PROVIDER_INVALID_REQUEST', message: 'bad body', retryable: false } });
    expect(JSON.parse(resultLine(failed))).toMatchObject({
      custom_id: 'q-3',
      response: { status_code: 400, body: { error: { message: 'bad body', type: 'invalid_request_error', code: 'provider_invalid_request' } } },
      error: null,
    });
  });

  it('writes a refused line with its error and no response', () => {
    expect(JSON.parse(refusedLine('batch_1-4', 'q-4', 'MODEL_UNKNOWN', 'no such model'))).toEqual({
      id: 'batch_req_batch_1-4',
      custom_id: 'q-4',
      response: null,
      error: { code: 'model_unknown', message: 'no such model' },
    });
  });
});
