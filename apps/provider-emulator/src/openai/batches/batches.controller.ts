import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorConfig } from '../../config/emulator.config';
import { EMULATOR_CONFIG } from '../../config/emulator.tokens';
import { openaiApiKey } from '../../http/caller.auth';
import { parseLimit } from '../../http/list.pagination';
import { ids } from '../../http/request.ids';
import { sendJson } from '../../http/reply.writer';
import { OpenAIBatchService } from './openai-batch.service';

@Controller('v1/batches')
export class BatchesController {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    @Inject(OpenAIBatchService) private readonly batches: OpenAIBatchService,
  ) {}

  @Post()
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const apiKey = this.authorize(req, reply);
    sendJson(reply, 200, this.batches.create(apiKey, req.body).toObject(), {});
  }

  @Get()
  list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: Record<string, string | undefined>): void {
    this.authorize(req, reply);
    const { page, hasMore } = this.batches.list(query.after, parseLimit(query.limit, 20, 100));
    sendJson(
      reply,
      200,
      {
        object: 'list',
        data: page.map((job) => job.toObject()),
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: hasMore,
      },
      {},
    );
  }

  @Get(':id')
  retrieve(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): void {
    this.authorize(req, reply);
    sendJson(reply, 200, this.batches.get(id).toObject(), {});
  }

  @Post(':id/cancel')
  cancel(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): void {
    this.authorize(req, reply);
    sendJson(reply, 200, this.batches.cancel(id).toObject(), {});
  }

  private authorize(req: FastifyRequest, reply: FastifyReply): string {
    reply.header('x-request-id', ids.request());
    return openaiApiKey(req.headers, this.config.apiKeys);
  }
}
