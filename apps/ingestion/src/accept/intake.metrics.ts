import { Injectable } from '@nestjs/common';
import type { RequestSource } from '@sluice/contracts';
import { MetricsRegistry } from '@sluice/observability';
import type { Counter } from 'prom-client';
import type { IntakeCounters } from './accept.ports';

@Injectable()
export class IntakeMetrics implements IntakeCounters {
  private readonly acceptedTotal: Counter<'source'>;
  private readonly rejectedTotal: Counter<'code'>;

  constructor(metrics: MetricsRegistry) {
    this.acceptedTotal = metrics.counter({
      name: 'sluice_requests_accepted_total',
      help: 'Requests recorded in the ledger and published to the router for the first time, by source (kafka, http).',
      labelNames: ['source'],
    });
    this.rejectedTotal = metrics.counter({
      name: 'sluice_requests_rejected_total',
      help: 'Requests ingestion refused, by error code (validation, tenant, id conflict, size).',
      labelNames: ['code'],
    });
  }

  accepted(source: RequestSource, count: number): void {
    this.acceptedTotal.inc({ source }, count);
  }

  rejected(code: string, count = 1): void {
    this.rejectedTotal.inc({ code }, count);
  }
}
