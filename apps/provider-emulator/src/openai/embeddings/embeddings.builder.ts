import type { ModelPrice } from '@sluice/providers';
import { invalidRequest, notFound } from '../../http/emulator.error';
import { acceptsDimensions, findServedModel, nativeEmbeddingDimensions } from '../../models/model.catalog';
import { seedOf } from '../../synth/deterministic.random';
import { embeddingToBase64, synthEmbedding } from '../../synth/embedding.synth';
import { countTextTokens } from '../../synth/token.counter';

const MAX_INPUTS = 2048;

export interface EmbeddingRequestPlan {
  model: string;
  price: ModelPrice;
  /** Each input as the text (or token list) that fixes its vector. */
  inputs: string[];
  promptTokens: number;
  dimensions: number;
  encoding: 'float' | 'base64';
}

/** Reads and checks an embeddings request. `nativeOverride` is a profile's embeddingDimensions. */
export function parseEmbeddingRequest(body: unknown, nativeOverride: (model: string) => number | null): EmbeddingRequestPlan {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('We could not parse the JSON body of your request. The body must be a JSON object.');
  }
  const b = body as Record<string, unknown>;
  if (b.model === undefined) throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (typeof b.model !== 'string') throw invalidRequest("Invalid type for 'model': expected a string.", 'model', 'invalid_type');
  if (b.input === undefined) throw invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  const { inputs, promptTokens } = readInputs(b.input);

  const price = findServedModel('openai', b.model);
  if (!price) {
    throw notFound(`The model \`${b.model}\` does not exist or you do not have access to it.`, 'model_not_found');
  }
  if (price.operation !== 'embedding') {
    throw invalidRequest(`The model \`${b.model}\` does not support embeddings.`, 'model', 'invalid_value');
  }
  const encoding = b.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') {
    throw invalidRequest(
      `Invalid value: '${typeof encoding === 'string' ? encoding : JSON.stringify(encoding)}'. Supported values are: 'float' and 'base64'.`,
      'encoding_format',
      'invalid_value',
    );
  }
  const native = nativeOverride(price.model) ?? nativeEmbeddingDimensions(price);
  let dimensions = native;
  if (b.dimensions !== undefined && b.dimensions !== null) {
    if (!acceptsDimensions(price)) {
      throw invalidRequest('This model does not support specifying dimensions.', 'dimensions');
    }
    if (typeof b.dimensions !== 'number' || !Number.isInteger(b.dimensions) || b.dimensions < 1 || b.dimensions > native) {
      throw invalidRequest(`Invalid 'dimensions': expected an integer between 1 and ${native}.`, 'dimensions', 'invalid_value');
    }
    dimensions = b.dimensions;
  }
  return { model: b.model, price, inputs, promptTokens, dimensions, encoding };
}

function readInputs(input: unknown): { inputs: string[]; promptTokens: number } {
  const invalid = (): never => {
    throw invalidRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'input');
  };
  if (typeof input === 'string') {
    if (input.length === 0) invalid();
    return { inputs: [input], promptTokens: countTextTokens(input) };
  }
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_INPUTS) return invalid();
  if (input.every((item) => typeof item === 'number')) {
    if (!input.every((item) => Number.isInteger(item))) invalid();
    return { inputs: [JSON.stringify(input)], promptTokens: input.length };
  }
  const inputs: string[] = [];
  let promptTokens = 0;
  for (const item of input) {
    if (typeof item === 'string' && item.length > 0) {
      inputs.push(item);
      promptTokens += countTextTokens(item);
    } else if (Array.isArray(item) && item.length > 0 && item.every((token) => Number.isInteger(token))) {
      inputs.push(JSON.stringify(item));
      promptTokens += item.length;
    } else {
      invalid();
    }
  }
  return { inputs, promptTokens };
}

/** How many inputs an embeddings body holds, for the batch limit on summed inputs. */
export function countEmbeddingInputs(body: Record<string, unknown>): number {
  const input = body.input;
  if (!Array.isArray(input)) return 1;
  return input.length > 0 && input.every((item) => typeof item === 'number') ? 1 : input.length;
}

/**
 * The response body as a JSON string: built by hand because a 3072-wide float vector is the
 * costliest thing the emulator serialises, and base64 needs no number formatting at all.
 */
export function embeddingResponseJson(plan: EmbeddingRequestPlan): string {
  const data = plan.inputs.map((input, index) => {
    const vector = synthEmbedding(seedOf('openai.embedding', plan.price.model, input), plan.dimensions);
    const embedding = plan.encoding === 'base64' ? `"${embeddingToBase64(vector)}"` : `[${vector.join(',')}]`;
    return `{"object":"embedding","index":${index},"embedding":${embedding}}`;
  });
  return (
    `{"object":"list","data":[${data.join(',')}],"model":${JSON.stringify(plan.model)},` +
    `"usage":{"prompt_tokens":${plan.promptTokens},"total_tokens":${plan.promptTokens}}}`
  );
}
