import { Controller, Get, Inject, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { CompletionsRepository } from '@sluice/ledger';
import { API_KEY_OVER_LIMIT, ApiErrorDoc, READ_TIMED_OUT } from '../docs/api.schemas';
import { CostReportDoc } from '../docs/costs.schemas';
import { ApiKeyGuard, Tenant } from '../http/auth/api-key.guard';
import { KeyRateGuard } from '../http/limits/key-rate.guard';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../http/deadlines/handling-deadline.interceptor';
import { ApiError } from '../http/errors/api.error';
import { CostReport, costReport, DEFAULT_DAYS, MAX_DAYS, parseCostRange } from './cost-report';

export const COST_LEDGER = Symbol('ingestion.cost-ledger');
export type CostLedger = Pick<CompletionsRepository, 'dailyCosts'>;

@ApiTags('costs')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ApiErrorDoc, description: 'No, malformed, unknown or revoked API key.' })
@Controller('v1/costs')
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
@ApiTooManyRequestsResponse({ type: ApiErrorDoc, description: API_KEY_OVER_LIMIT })
export class CostsController {
  constructor(@Inject(COST_LEDGER) private readonly ledger: CostLedger) {}

  @Get()
  @HandlingDeadline('read')
  @ApiOperation({
    summary: "The API key's tenant's spending per UTC day and lane, with what sending everything realtime would have cost",
    description:
      'From the ledger: `costUsd` is every result providers billed (delivered or superseded by a faster lane), `realtimeCostUsd` the list ' +
      'price of the completed requests on the realtime lane, `savedUsd` the difference. Days are the UTC days results completed on.',
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description: `First UTC day, YYYY-MM-DD, included; default ${DEFAULT_DAYS - 1} days before \`to\`.`,
    example: '2030-03-01',
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: `Last UTC day, YYYY-MM-DD, included; default today. At most ${MAX_DAYS} days in all.`,
    example: '2030-03-30',
  })
  @ApiOkResponse({ type: CostReportDoc })
  @ApiResponse({ status: 503, type: ApiErrorDoc, description: READ_TIMED_OUT })
  @ApiResponse({
    status: 400,
    type: ApiErrorDoc,
    description: 'from or to is not a day, from is after to, or the range is longer than allowed (`field` names it).',
  })
  async report(@Query() query: Record<string, unknown>, @Tenant() tenant: string): Promise<CostReport> {
    const range = parseCostRange(query, new Date());
    if (!range.ok) throw new ApiError(400, range.error.code, range.error.message, { field: range.error.field });
    return costReport(await this.ledger.dailyCosts(tenant, range.start, range.end), range);
  }
}
