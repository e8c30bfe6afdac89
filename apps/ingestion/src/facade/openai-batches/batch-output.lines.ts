import type { InferenceResultV1 } from '@sluice/contracts';
import { openAIFailure } from '../openai/openai.errors';
import { CUSTOM_ID_KEY } from './batch-line.mapping';

/**
 * One line of a batch's output or error file for a delivered result, in OpenAI's line format
 * (`{id, custom_id, response: {status_code, request_id, body}, error}`), with what Sluice adds:
 * the request, the lane that answered and its cost (`sluice`). A failed request is an HTTP error line,
 * its body in OpenAI's error shape.
 */
export function resultLine(result: InferenceResultV1): string {
  const customId = result.metadata?.[CUSTOM_ID_KEY] ?? null;
  const requestId = result.providerRequestId ?? result.id;
  const sluice = { request_id: result.id, lane: result.lane, cost_usd: result.cost.usd };
  if (result.status === 'succeeded') {
    return JSON.stringify({
      id: `batch_req_${result.id}`,
      custom_id: customId,
      response: { status_code: 200, request_id: requestId, body: result.response },
      error: null,
      sluice,
    });
  }
  const failure = openAIFailure(result.error?.code ?? 'INTERNAL', result.error?.message ?? 'the request failed');
  return JSON.stringify({
    id: `batch_req_${result.id}`,
    custom_id: customId,
    response: { status_code: failure.status, request_id: requestId, body: failure.body },
    error: null,
    sluice,
  });
}

/** An error-file line for a line Sluice refused (it never became a request). */
export function refusedLine(requestId: string, customId: string | null, code: string, message: string): string {
  return JSON.stringify({ id: `batch_req_${requestId}`, custom_id: customId, response: null, error: { code: code.toLowerCase(), message } });
}
