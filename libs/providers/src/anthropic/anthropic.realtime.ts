import type Anthropic from '@anthropic-ai/sdk';
import type { RequestOptions } from '@anthropic-ai/sdk/internal/request-options';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { ProviderError } from '../errors/provider-error';
import type { CallOptions, CompleteRequest, CompleteResult, EmbedResult, RealtimeAdapter, StreamChunk } from '../realtime.interface';
import { anthropicMessagesBody, wantsLongOutput } from './anthropic.body';
import { rethrowAnthropic } from './anthropic.errors';
import { anthropicUsage } from './anthropic.usage';

export class AnthropicRealtimeAdapter implements RealtimeAdapter {
  readonly provider = 'anthropic' as const;

  constructor(private readonly client: Anthropic) {}

  async complete(request: CompleteRequest): Promise<CompleteResult> {
    const body = anthropicMessagesBody(request.body, request.tier) as unknown as MessageCreateParamsNonStreaming;
    try {
      if (wantsLongOutput(request.body)) {
        const stream = this.client.messages.stream(body, callOptions(request));
        const message = await stream.finalMessage();
        return finalResult(message, stream.request_id);
      }
      const { data, request_id } = await this.client.messages.create(body, callOptions(request)).withResponse();
      return finalResult(data, request_id);
    } catch (error) {
      rethrowAnthropic(error);
    }
  }

  async *stream(request: CompleteRequest): AsyncGenerator<StreamChunk> {
    const body = anthropicMessagesBody(request.body, request.tier) as unknown as MessageCreateParamsNonStreaming;
    try {
      const stream = this.client.messages.stream(body, callOptions(request));
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          yield { type: 'delta', text: event.delta.text };
        }
      }
      yield { type: 'final', ...finalResult(await stream.finalMessage(), stream.request_id) };
    } catch (error) {
      rethrowAnthropic(error);
    }
  }

  async embed(): Promise<EmbedResult> {
    throw new ProviderError({
      kind: 'unsupported',
      provider: 'anthropic',
      message: 'Anthropic has no embeddings API',
      code: 'embeddings_unavailable',
      providerRequestId: null,
    });
  }
}

function finalResult(message: Message, requestId: string | null | undefined): CompleteResult {
  return { response: message, usage: anthropicUsage(message.usage), model: message.model, providerRequestId: requestId ?? null };
}

function callOptions({ timeoutMs, signal }: CallOptions): RequestOptions {
  return { ...(timeoutMs !== undefined && { timeout: timeoutMs }), ...(signal && { signal }) };
}
