import { Controller, Get, Inject, Param, Query, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FieldError } from '@sluice/contracts';
import type { BatchSummary, CompletionsRepository, ConsoleRepository, JobResultLine, JobSummary, JobsRepository, RequestSummary } from '@sluice/ledger';
import type { IncomingMessage } from 'node:http';
import { CostReport, costReport, parseCostRange } from '../costs/cost-report';
import { ApiKeyGuard, callerOf } from '../http/auth/api-key.guard';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../http/deadlines/handling-deadline.interceptor';
import { ApiError } from '../http/errors/api.error';
import { KeyRateGuard } from '../http/limits/key-rate.guard';
import { IngestionConfig } from '../ingestion.config';
import { parseLimit, parseRequestSearch } from './console.params';
import { ConsoleScope, consoleScopeOf, mayRead, narrowedTenant } from './console.scope';
import { requestTimeline, TimelineEntry } from './request.timeline';

export const CONSOLE_LEDGER = Symbol('ingestion.console-ledger');
export interface ConsoleLedger {
  console: ConsoleRepository;
  costs: Pick<CompletionsRepository, 'dailyCosts'>;
  jobs: Pick<JobsRepository, 'results'>;
}

/** The live chart covers this much of the recent past, in buckets of this many seconds. */
const SERIES_WINDOW_MS = 6 * 60 * 60 * 1000;
const SERIES_BUCKET_SECONDS = 60;
/** Lines of a job's output shown on its page; the whole output is GET /v1/jobs/:id/results. */
const JOB_OUTPUT_LINES = 20;

export interface ConsoleOverview {
  scope: ConsoleScope;
  costs: CostReport;
  attainment: { lanes: Attainment[]; tenants: Attainment[] };
  series: { bucketSeconds: number; since: string; buckets: Array<{ at: string; lane: string; requests: number }> };
}

interface Attainment {
  key: string;
  completed: number;
  withDeadline: number;
  met: number;
}

function badRequest(error: FieldError): ApiError {
  return new ApiError(400, error.code, error.message, { field: error.field });
}

/**
 * The console's JSON: every read one statement (the overview two: the cost report is the one of
 * GET /v1/costs), scoped to the key's tenant, or to every tenant for an operator key.
 */
@ApiExcludeController()
@Controller('console/api')
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
export class ConsoleApiController {
  constructor(
    @Inject(CONSOLE_LEDGER) private readonly ledger: ConsoleLedger,
    private readonly config: IngestionConfig,
  ) {}

  private scope(request: IncomingMessage): ConsoleScope {
    return consoleScopeOf(callerOf(request)!, this.config.INGESTION_CONSOLE_OPERATOR_TENANTS);
  }

  @Get('me')
  @HandlingDeadline('read')
  me(@Req() request: IncomingMessage): ConsoleScope {
    return this.scope(request);
  }

  @Get('overview')
  @HandlingDeadline('read')
  async overview(@Query() query: Record<string, unknown>, @Req() request: IncomingMessage): Promise<ConsoleOverview> {
    const scope = this.scope(request);
    const now = new Date();
    const range = parseCostRange(query, now);
    if (!range.ok) throw badRequest(range.error);
    const since = new Date(now.getTime() - SERIES_WINDOW_MS);
    const [costs, rows] = await Promise.all([
      this.ledger.costs.dailyCosts(scope.tenant, range.start, range.end),
      this.ledger.console.overview(scope.tenant, range.start, range.end, since, SERIES_BUCKET_SECONDS),
    ]);
    const attainment = (by: 'lane' | 'tenant'): Attainment[] =>
      rows.attainment.filter((row) => row.by === by).map(({ key, completed, withDeadline, met }) => ({ key, completed, withDeadline, met }));
    return {
      scope,
      costs: costReport(costs, range),
      attainment: { lanes: attainment('lane'), tenants: attainment('tenant') },
      series: {
        bucketSeconds: SERIES_BUCKET_SECONDS,
        since: since.toISOString(),
        buckets: rows.buckets.map((bucket) => ({ at: bucket.at.toISOString(), lane: bucket.lane ?? 'unrouted', requests: bucket.requests })),
      },
    };
  }

  @Get('requests')
  @HandlingDeadline('read')
  async requests(@Query() query: Record<string, unknown>, @Req() request: IncomingMessage): Promise<{ requests: RequestSummary[] }> {
    const parsed = parseRequestSearch(query);
    if (!parsed.ok) throw badRequest(parsed.error);
    const tenant = narrowedTenant(this.scope(request), parsed.search.tenant);
    // A tenant key asking for another tenant learns nothing, not even whether it exists.
    if (tenant === undefined) return { requests: [] };
    return { requests: await this.ledger.console.searchRequests({ ...parsed.search, tenant }) };
  }

  @Get('requests/:tenant/:id')
  @HandlingDeadline('read')
  async request(
    @Param('tenant') tenant: string,
    @Param('id') id: string,
    @Req() request: IncomingMessage,
  ): Promise<{ request: RequestSummary; timeline: TimelineEntry[]; result: unknown }> {
    if (!mayRead(this.scope(request), tenant)) throw ApiError.notFound(`request ${id}`);
    const detail = await this.ledger.console.requestDetail(tenant, id);
    if (detail === undefined) throw ApiError.notFound(`request ${id}`);
    return { request: detail.request, timeline: requestTimeline(detail), result: detail.completion?.result ?? null };
  }

  @Get('batches')
  @HandlingDeadline('read')
  async batches(@Query('limit') limit: unknown, @Req() request: IncomingMessage): Promise<{ batches: BatchSummary[] }> {
    const parsed = parseLimit(limit);
    if (!parsed.ok) throw badRequest(parsed.error);
    return { batches: await this.ledger.console.batches(this.scope(request).tenant, parsed.limit) };
  }

  @Get('jobs')
  @HandlingDeadline('read')
  async jobs(@Query('limit') limit: unknown, @Req() request: IncomingMessage): Promise<{ jobs: JobSummary[] }> {
    const parsed = parseLimit(limit);
    if (!parsed.ok) throw badRequest(parsed.error);
    return { jobs: await this.ledger.console.jobs(this.scope(request).tenant, parsed.limit) };
  }

  @Get('jobs/:tenant/:id/output')
  @HandlingDeadline('read')
  async jobOutput(@Param('tenant') tenant: string, @Param('id') id: string, @Req() request: IncomingMessage): Promise<{ lines: JobResultLine[] }> {
    if (!mayRead(this.scope(request), tenant)) throw ApiError.notFound(`job ${id}`);
    return { lines: await this.ledger.jobs.results(tenant, id, 0, JOB_OUTPUT_LINES) };
  }
}
