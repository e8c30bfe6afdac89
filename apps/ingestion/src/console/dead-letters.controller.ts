import { Body, Controller, Get, Inject, Param, Post, Query, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ErrorCode } from '@sluice/contracts';
import type { IncomingMessage } from 'node:http';
import { ApiKeyGuard, callerOf } from '../http/auth/api-key.guard';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../http/deadlines/handling-deadline.interceptor';
import { ApiError } from '../http/errors/api.error';
import { KeyRateGuard } from '../http/limits/key-rate.guard';
import { IngestionConfig } from '../ingestion.config';
import { parseLimit } from './console.params';
import { consoleScopeOf } from './console.scope';
import { DeadLetterView, DeadLettersHandler, EntryRef, parseEntryRefs } from './dead-letters.handler';

/** The dead-letter queue in the console: listed in the key's scope; replayed or dropped by operator keys only. */
@ApiExcludeController()
@Controller('console/api/dlq')
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
export class DeadLettersController {
  constructor(
    @Inject(DeadLettersHandler) private readonly handler: DeadLettersHandler,
    private readonly config: IngestionConfig,
  ) {}

  @Get()
  // Reads the dead-letter topic to its end: longer than a ledger read, so the submit deadline.
  @HandlingDeadline('submit')
  async list(@Query('limit') limit: unknown, @Req() request: IncomingMessage): Promise<{ topic: string; entries: DeadLetterView[]; total: number }> {
    const parsed = parseLimit(limit);
    if (!parsed.ok) throw new ApiError(400, parsed.error.code, parsed.error.message, { field: parsed.error.field });
    return this.handler.list(consoleScopeOf(callerOf(request)!, this.config.INGESTION_CONSOLE_OPERATOR_TENANTS), parsed.limit);
  }

  @Post(':action')
  @HandlingDeadline('submit')
  async act(@Param('action') action: string, @Body() body: unknown, @Req() request: IncomingMessage): Promise<{ settled: EntryRef[] }> {
    if (action !== 'replay' && action !== 'drop') throw ApiError.notFound(`console action ${action}`);
    if (!consoleScopeOf(callerOf(request)!, this.config.INGESTION_CONSOLE_OPERATOR_TENANTS).operator) {
      throw new ApiError(403, ErrorCode.FORBIDDEN, 'only an operator key may replay or drop dead-lettered messages');
    }
    const refs = parseEntryRefs(body);
    if (!refs.ok) throw new ApiError(400, refs.error.code, refs.error.message, { field: refs.error.field });
    return { settled: await this.handler.act(action, refs.refs) };
  }
}
