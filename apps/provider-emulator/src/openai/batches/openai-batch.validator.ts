import type { ModelPrice } from '@sluice/providers';
import { Aborted, yieldToEventLoop } from '../../batch/abortable.sleep';
import { LineReader } from '../../batch/line.reader';
import { findServedModel } from '../../models/model.catalog';
import type { BehaviourProfile } from '../../profiles/behaviour.profile';
import { countEmbeddingInputs } from '../embeddings/embeddings.builder';

export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export interface BatchValidation {
  total: number;
  model: string | null;
  price: ModelPrice | null;
  errors: BatchError[];
}

// Enough to show what is wrong with a file without returning an error per line of a huge one.
const MAX_REPORTED_ERRORS = 100;
/** OpenAI's per-batch request limit, used when the profile does not override it. */
export const OPENAI_MAX_REQUESTS = 50_000;

const OPERATION_BY_ENDPOINT: Record<string, 'chat' | 'embedding'> = {
  '/v1/chat/completions': 'chat',
  '/v1/embeddings': 'embedding',
};

/**
 * One streaming pass over a batch input file, applying the Batch API's input rules: JSON lines,
 * unique custom_ids, POST to the batch's endpoint, one model per file, the size limits.
 */
export async function validateBatchInput(
  path: string,
  endpoint: string,
  fileBytes: number,
  profileFor: (model: string) => BehaviourProfile,
  signal: AbortSignal,
): Promise<BatchValidation> {
  const errors: BatchError[] = [];
  const report = (error: BatchError): void => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(error);
  };
  const seen = new Set<string>();
  let total = 0;
  let model: string | null = null;
  let embeddingInputs = 0;
  const reader = await LineReader.open(path);
  try {
    for (let text = await reader.next(); text !== null; text = await reader.next()) {
      total += 1;
      if ((total & 1023) === 0) {
        if (signal.aborted) throw new Aborted();
        await yieldToEventLoop();
      }
      const line = reader.lineNumber;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        report({ code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', param: null, line });
        continue;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        report({ code: 'invalid_json_line', message: 'This line is not a JSON object.', param: null, line });
        continue;
      }
      const { custom_id: customId, method, url, body } = parsed as Record<string, unknown>;
      if (typeof customId !== 'string' || customId.length === 0) {
        report({ code: 'missing_required_parameter', message: "Missing required parameter: 'custom_id'.", param: 'custom_id', line });
      } else if (seen.has(customId)) {
        report({
          code: 'duplicate_custom_id',
          message: 'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
          param: 'custom_id',
          line,
        });
      } else {
        seen.add(customId);
      }
      if (method !== 'POST') {
        report({ code: 'invalid_method', message: "Invalid value for 'method': only POST is supported.", param: 'method', line });
      }
      if (url !== endpoint) {
        report({
          code: 'invalid_url',
          message: `The URL provided for this request does not match the batch endpoint (${endpoint}).`,
          param: 'url',
          line,
        });
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        report({ code: 'missing_required_parameter', message: "Missing required parameter: 'body'.", param: 'body', line });
        continue;
      }
      const lineModel = (body as Record<string, unknown>).model;
      if (typeof lineModel !== 'string') {
        report({ code: 'missing_required_parameter', message: "Missing required parameter: 'body.model'.", param: 'body.model', line });
      } else if (model === null) {
        model = lineModel;
      } else if (lineModel !== model) {
        report({
          code: 'mismatched_model',
          message: `The model '${lineModel}' does not match the model '${model}' of the batch's other requests. Each batch may only contain requests for one model.`,
          param: 'body.model',
          line,
        });
      }
      if (endpoint === '/v1/embeddings') embeddingInputs += countEmbeddingInputs(body as Record<string, unknown>);
    }
  } finally {
    await reader.close();
  }

  if (total === 0) report({ code: 'empty_file', message: 'The input file is empty.', param: null, line: null });
  const price = model === null ? undefined : findServedModel('openai', model);
  if (model !== null && (!price || price.operation !== OPERATION_BY_ENDPOINT[endpoint])) {
    report({
      code: 'model_not_found',
      message: `The model \`${model}\` does not exist or is not supported by ${endpoint}.`,
      param: 'body.model',
      line: null,
    });
  }
  if (price) {
    const limits = profileFor(price.model);
    const maxRequests = limits.batch.maxRequests ?? OPENAI_MAX_REQUESTS;
    if (total > maxRequests) {
      report({
        code: 'too_many_requests',
        message: `The input file has ${total} requests; a batch may contain at most ${maxRequests}.`,
        param: null,
        line: null,
      });
    }
    if (embeddingInputs > limits.batch.maxEmbeddingInputs) {
      report({
        code: 'too_many_embedding_inputs',
        message: `The batch has ${embeddingInputs} embedding inputs; an embeddings batch may contain at most ${limits.batch.maxEmbeddingInputs}.`,
        param: null,
        line: null,
      });
    }
    if (fileBytes > limits.batch.maxInputBytes) {
      report({
        code: 'file_too_large',
        message: `The input file is ${fileBytes} bytes; a batch input may be at most ${limits.batch.maxInputBytes} bytes.`,
        param: null,
        line: null,
      });
    }
    if (limits.faults.forceValidationFailure) {
      report({ code: 'invalid_request', message: 'Validation failure injected by the emulator profile.', param: null, line: null });
    }
  }
  return { total, model, price: price ?? null, errors };
}
