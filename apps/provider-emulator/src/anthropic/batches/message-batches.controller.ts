import { Controller, Delete, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import type { EmulatorConfig } from '../../config/emulator.config';
import { EMULATOR_CONFIG } from '../../config/emulator.tokens';
import { AnthropicCaller, anthropicCaller } from '../../http/caller.auth';
import { invalidRequest } from '../../http/emulator.error';
import { parseLimit } from '../../http/list.pagination';
import { ids } from '../../http/request.ids';
import { sendJson } from '../../http/reply.writer';
import { MessageBatchService } from './message-batch.service';

@Controller('v1/messages/batches')
export class MessageBatchesController {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    @Inject(MessageBatchService) private readonly batches: MessageBatchService,
  ) {}

  @Post()
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const caller = this.authorize(req, reply);
    const job = await this.batches.create(caller.apiKey, caller.version, req.body);
    sendJson(reply, 200, job.toObject(this.baseUrl(req)), {});
  }

  @Get()
  list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: Record<string, string | undefined>): void {
    this.authorize(req, reply);
    const { page, hasMore } = this.batches.list({
      afterId: query.after_id,
      beforeId: query.before_id,
      limit: parseLimit(query.limit, 20, 1000),
    });
    const base = this.baseUrl(req);
    sendJson(
      reply,
      200,
      { data: page.map((job) => job.toObject(base)), has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null },
      {},
    );
  }

  @Get(':id')
  retrieve(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): void {
    this.authorize(req, reply);
    sendJson(reply, 200, this.batches.get(id).toObject(this.baseUrl(req)), {});
  }

  @Get(':id/results')
  results(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): void {
    this.authorize(req, reply);
    const job = this.batches.get(id);
    if (!job.ended) throw invalidRequest(`Message batch ${id} is still processing; results are available once it has ended.`);
    reply
      .code(200)
      .header('content-type', 'application/x-jsonl')
      .header('content-length', String(job.results.bytes))
      .send(job.results.opened ? createReadStream(job.results.path) : '');
  }

  @Post(':id/cancel')
  cancel(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): void {
    this.authorize(req, reply);
    sendJson(reply, 200, this.batches.cancel(id).toObject(this.baseUrl(req)), {});
  }

  @Delete(':id')
  async remove(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    this.authorize(req, reply);
    await this.batches.delete(id);
    sendJson(reply, 200, { id, type: 'message_batch_deleted' }, {});
  }

  private authorize(req: FastifyRequest, reply: FastifyReply): AnthropicCaller {
    reply.header('request-id', ids.request());
    return anthropicCaller(req.headers, this.config.apiKeys);
  }

  /** results_url must lead back here, whatever address the caller reached the emulator by. */
  private baseUrl(req: FastifyRequest): string {
    return this.config.publicUrl ?? `http://${req.headers.host ?? `${this.config.host}:${this.config.port}`}`;
  }
}
