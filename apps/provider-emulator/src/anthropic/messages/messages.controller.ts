import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as delay } from 'node:timers/promises';
import { BillingLedger } from '../../billing/billing.ledger';
import type { EmulatorConfig } from '../../config/emulator.config';
import { EMULATOR_CONFIG } from '../../config/emulator.tokens';
import { anthropicCaller } from '../../http/caller.auth';
import { ids } from '../../http/request.ids';
import { sendJson } from '../../http/reply.writer';
import { generationDelayMs, RealtimeGate } from '../../realtime/realtime.gate';
import { streamSse } from '../../realtime/sse.streamer';
import { estimatedMessageTokens, messageBody, messageFrames, parseMessageRequest, planMessage } from './message.builder';

@Controller('v1')
export class MessagesController {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    @Inject(RealtimeGate) private readonly gate: RealtimeGate,
    @Inject(BillingLedger) private readonly billing: BillingLedger,
  ) {}

  @Post('messages')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = ids.request();
    reply.header('request-id', requestId);
    const caller = anthropicCaller(req.headers, this.config.apiKeys);
    const request = parseMessageRequest(req.body, caller.version);
    const admission = this.gate.admit('anthropic', caller.apiKey, request.price.model, estimatedMessageTokens(request), reply);
    if (admission.held) return;
    const plan = planMessage(request, admission.profile.output);
    const id = ids.message();
    if (plan.stream) {
      const headers = { ...admission.headers, 'request-id': requestId };
      await streamSse(reply, messageFrames(plan, id), admission.profile.latency, headers);
    } else {
      const wait = generationDelayMs(admission.profile.latency, plan.outputTokens);
      if (wait > 0) await delay(wait);
      sendJson(reply, 200, messageBody(plan, id), admission.headers);
    }
    this.billing.record({
      apiKey: caller.apiKey,
      price: plan.price,
      tier: 'standard',
      kind: 'call',
      requestId,
      inputTokens: plan.inputTokens,
      outputTokens: plan.outputTokens,
    });
  }
}
