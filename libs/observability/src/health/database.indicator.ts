import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { checkDatabase } from '@sluice/ledger';
import type { Pool } from 'pg';
import { PG_POOL } from '../database/database.tokens';
import { withTimeLimit } from '../lifecycle/time-limit';

// A probe must answer before the orchestrator's probe timeout, even when the database hangs.
const CHECK_TIMEOUT_MS = 3_000;

@Injectable()
export class DatabaseIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async check(): Promise<HealthIndicatorResult<'database'>> {
    const session = this.indicator.check('database');
    try {
      await withTimeLimit(checkDatabase(this.pool), CHECK_TIMEOUT_MS, () => new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`));
      return session.up();
    } catch (error) {
      return session.down({ reason: error instanceof Error ? error.message : String(error) });
    }
  }
}
