import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as delay } from 'node:timers/promises';
import { BillingLedger } from '../../billing/billing.ledger';
import type { EmulatorConfig } from '../../config/emulator.config';
import { EMULATOR_CONFIG } from '../../config/emulator.tokens';
import { openaiApiKey } from '../../http/caller.auth';
import { ids } from '../../http/request.ids';
import { sendJsonText } from '../../http/reply.writer';
import { ProfileRegistry } from '../../profiles/profile.registry';
import { RealtimeGate } from '../../realtime/realtime.gate';
import { embeddingResponseJson, parseEmbeddingRequest } from './embeddings.builder';

@Controller('v1')
export class EmbeddingsController {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    @Inject(ProfileRegistry) private readonly profiles: ProfileRegistry,
    @Inject(RealtimeGate) private readonly gate: RealtimeGate,
    @Inject(BillingLedger) private readonly billing: BillingLedger,
  ) {}

  @Post('embeddings')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = ids.request();
    reply.header('x-request-id', requestId);
    const apiKey = openaiApiKey(req.headers, this.config.apiKeys);
    const plan = parseEmbeddingRequest(req.body, (model) => this.profiles.forModel(model).embeddingDimensions);
    const admission = this.gate.admit('openai', apiKey, plan.price.model, plan.promptTokens, reply);
    if (admission.held) return;
    // An embedding has no tokens to stream: its whole latency is the time to the first (only) answer.
    if (admission.profile.latency.ttftMs > 0) await delay(admission.profile.latency.ttftMs);
    sendJsonText(reply, 200, embeddingResponseJson(plan), admission.headers);
    this.billing.record({
      apiKey,
      price: plan.price,
      tier: 'standard',
      kind: 'call',
      requestId,
      inputTokens: plan.promptTokens,
      outputTokens: 0,
    });
  }
}
