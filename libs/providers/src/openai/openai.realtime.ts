import type OpenAI from 'openai';
import type { RequestOptions } from 'openai/internal/request-options';
import { ChatCompletionStream } from 'openai/resources/chat/completions';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { EmbeddingCreateParams } from 'openai/resources/embeddings';
import type { CallOptions, CompleteRequest, CompleteResult, EmbedRequest, EmbedResult, RealtimeAdapter, StreamChunk } from '../realtime.interface';
import { rethrowOpenAI } from './openai.errors';
import { requireModel } from '../body/request-body';
import { openAIChatBody } from './openai.body';
import { openAIUsage } from './openai.usage';

export class OpenAIRealtimeAdapter implements RealtimeAdapter {
  readonly provider = 'openai' as const;

  constructor(private readonly client: OpenAI) {}

  async complete(request: CompleteRequest): Promise<CompleteResult> {
    const body = openAIChatBody(request.body, request.tier) as unknown as ChatCompletionCreateParamsNonStreaming;
    try {
      const { data, request_id } = await this.client.chat.completions.create(body, callOptions(request)).withResponse();
      return { response: data, usage: openAIUsage(data.usage), model: data.model, providerRequestId: request_id };
    } catch (error) {
      rethrowOpenAI(error);
    }
  }

  /** Deltas are the first choice's text; the final chunk carries every choice. */
  async *stream(request: CompleteRequest): AsyncGenerator<StreamChunk> {
    const base = openAIChatBody(request.body, request.tier);
    const streamOptions = (request.body.stream_options ?? {}) as Record<string, unknown>;
    // Without include_usage a stream reports no tokens, and Sluice could not price it.
    const body = {
      ...base,
      stream: true,
      stream_options: { ...streamOptions, include_usage: true },
    } as unknown as ChatCompletionCreateParamsStreaming;
    try {
      const { data, request_id } = await this.client.chat.completions.create(body, callOptions(request)).withResponse();
      // The SDK's own accumulator rebuilds a ChatCompletion (tool calls, refusals, usage) from the chunks.
      const accumulator = ChatCompletionStream.fromReadableStream(data.toReadableStream());
      for await (const chunk of accumulator) {
        const text = chunk.choices.find((choice) => choice.index === 0)?.delta.content;
        if (text) yield { type: 'delta', text };
      }
      const final = await accumulator.finalChatCompletion();
      yield {
        type: 'final',
        response: final,
        usage: openAIUsage(final.usage),
        model: final.model,
        providerRequestId: request_id,
      };
    } catch (error) {
      rethrowOpenAI(error);
    }
  }

  async embed(request: EmbedRequest): Promise<EmbedResult> {
    requireModel('openai', request.body);
    const body = request.body as unknown as EmbeddingCreateParams;
    try {
      const { data, request_id } = await this.client.embeddings.create(body, callOptions(request)).withResponse();
      return { response: data, usage: openAIUsage(data.usage), model: data.model, providerRequestId: request_id };
    } catch (error) {
      rethrowOpenAI(error);
    }
  }
}

function callOptions({ timeoutMs, signal }: CallOptions): RequestOptions {
  return { ...(timeoutMs !== undefined && { timeout: timeoutMs }), ...(signal && { signal }) };
}
