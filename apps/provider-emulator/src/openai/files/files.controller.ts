import { Controller, Delete, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { EmulatorConfig } from '../../config/emulator.config';
import { EMULATOR_CONFIG } from '../../config/emulator.tokens';
import { openaiApiKey } from '../../http/caller.auth';
import { invalidRequest, notFound } from '../../http/emulator.error';
import { parseLimit } from '../../http/list.pagination';
import { ids } from '../../http/request.ids';
import { sendJson } from '../../http/reply.writer';
import { FileStore, fileObject, StoredFile, UPLOAD_PURPOSES } from './file.store';
import { receiveUpload } from './multipart.upload';

@Controller('v1/files')
export class FilesController {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    @Inject(FileStore) private readonly files: FileStore,
  ) {}

  @Post()
  async upload(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.authorize(req, reply);
    const { id, path } = this.files.allocate();
    const upload = await receiveUpload(req.raw, path, this.config.maxUploadBytes);
    if (upload.purpose === undefined || !UPLOAD_PURPOSES.includes(upload.purpose)) {
      await unlink(path).catch(() => undefined);
      if (upload.purpose === undefined) throw invalidRequest("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter');
      throw invalidRequest(
        `Invalid value: '${upload.purpose}'. Supported values are: ${UPLOAD_PURPOSES.map((p) => `'${p}'`).join(', ')}.`,
        'purpose',
        'invalid_value',
      );
    }
    const file = this.files.add({
      id,
      path,
      bytes: upload.bytes,
      filename: upload.filename,
      purpose: upload.purpose,
      expiresAfterSeconds: upload.expiresAfterSeconds,
    });
    sendJson(reply, 200, fileObject(file), {});
  }

  @Get()
  list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: Record<string, string | undefined>): void {
    this.authorize(req, reply);
    const order = query.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') {
      throw invalidRequest(`Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`, 'order', 'invalid_value');
    }
    const { data, hasMore } = this.files.list({
      purpose: query.purpose,
      order,
      after: query.after,
      limit: parseLimit(query.limit, 10_000, 10_000),
    });
    sendJson(
      reply,
      200,
      { object: 'list', data: data.map(fileObject), first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore },
      {},
    );
  }

  @Get(':id')
  retrieve(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): void {
    this.authorize(req, reply);
    sendJson(reply, 200, fileObject(this.find(id)), {});
  }

  /** Streams the body from disk: output files of large batches are never read into memory. */
  @Get(':id/content')
  content(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): void {
    this.authorize(req, reply);
    const file = this.find(id);
    reply.code(200).header('content-type', 'application/octet-stream').header('content-length', String(file.bytes)).send(createReadStream(file.path));
  }

  @Delete(':id')
  async remove(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    this.authorize(req, reply);
    if (!(await this.files.delete(id))) throw this.missing(id);
    sendJson(reply, 200, { id, object: 'file', deleted: true }, {});
  }

  private authorize(req: FastifyRequest, reply: FastifyReply): void {
    reply.header('x-request-id', ids.request());
    openaiApiKey(req.headers, this.config.apiKeys);
  }

  private find(id: string): StoredFile {
    const file = this.files.get(id);
    if (!file) throw this.missing(id);
    return file;
  }

  private missing(id: string): Error {
    return notFound(`No such File object: ${id}`, null, 'id');
  }
}
