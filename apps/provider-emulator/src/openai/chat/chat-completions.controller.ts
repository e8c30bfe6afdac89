import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as delay } from 'node:timers/promises';
import { BillingLedger } from '../../billing/billing.ledger';
import type { EmulatorConfig } from '../../config/emulator.config';
import { EMULATOR_CONFIG } from '../../config/emulator.tokens';
import { openaiApiKey } from '../../http/caller.auth';
import { ids, unixSeconds } from '../../http/request.ids';
import { sendJson } from '../../http/reply.writer';
import { ProfileRegistry } from '../../profiles/profile.registry';
import { generationDelayMs, RealtimeGate } from '../../realtime/realtime.gate';
import { streamSse } from '../../realtime/sse.streamer';
import { chatCompletionBody, chatCompletionFrames, estimatedChatTokens, parseChatRequest, planChat } from './chat-completion.builder';

@Controller('v1/chat')
export class ChatCompletionsController {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    @Inject(ProfileRegistry) private readonly profiles: ProfileRegistry,
    @Inject(RealtimeGate) private readonly gate: RealtimeGate,
    @Inject(BillingLedger) private readonly billing: BillingLedger,
  ) {}

  @Post('completions')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = ids.request();
    reply.header('x-request-id', requestId);
    const apiKey = openaiApiKey(req.headers, this.config.apiKeys);
    const request = parseChatRequest(req.body);
    const natural = this.profiles.forModel(request.price.model).output;
    const admission = this.gate.admit('openai', apiKey, request.price.model, estimatedChatTokens(request, natural), reply);
    if (admission.held) return;
    const plan = planChat(request, admission.profile.output);
    const id = ids.chatCompletion();
    const created = unixSeconds();
    if (plan.stream) {
      const headers = { ...admission.headers, 'x-request-id': requestId };
      await streamSse(reply, chatCompletionFrames(plan, id, created), admission.profile.latency, headers);
    } else {
      const wait = generationDelayMs(admission.profile.latency, plan.completionTokens);
      if (wait > 0) await delay(wait);
      sendJson(reply, 200, chatCompletionBody(plan, id, created), admission.headers);
    }
    // Billed even when a stream's reader left early: the tokens were generated.
    this.billing.record({
      apiKey,
      price: plan.price,
      tier: plan.tier,
      kind: 'call',
      requestId,
      inputTokens: plan.promptTokens,
      outputTokens: plan.completionTokens,
    });
  }
}
