import { Inject, Injectable } from '@nestjs/common';
import { checkDatabase } from '@sluice/ledger';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { PG_POOL } from '../database/database.tokens';
import { withTimeLimit } from '../lifecycle/time-limit';
import { ROOT_LOGGER } from '../logging/logging.tokens';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { ConsumerHealthRegistry } from './consumer-health.registry';
import { DEPENDENCIES, DependencyName, HealthSummary, kafkaProbe, ProbeResult, safeReason, summarize } from './dependency.summary';
import { ReadinessState } from './readiness.state';

// A probe must answer before the orchestrator's probe timeout (and a scrape's), even when the database hangs.
const DATABASE_PROBE_TIMEOUT_MS = 3_000;

/**
 * Whether the service's dependencies answer, looked at when asked (a health request, a metrics scrape):
 * a `select 1` on the pool, the consumers' readiness and the outages their retry loops are waiting out.
 * Nothing here acts on an outage (the consumers wait it out by themselves); it makes one visible:
 * `GET /health`, `sluice_dependency_up{dependency}`, and one log line when a dependency goes down or
 * comes back.
 */
@Injectable()
export class DependencyMonitor {
  private readonly downSince = new Map<DependencyName, Date>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly consumers: ConsumerHealthRegistry,
    private readonly readiness: ReadinessState,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    metrics: MetricsRegistry,
  ) {
    const gauge = metrics.gauge({
      name: 'sluice_dependency_up',
      help: 'Whether a dependency answers this service (1) or not (0): database (a select 1 on its pool), kafka (every consumer in its group).',
      labelNames: ['dependency'],
      collect: async () => {
        const { dependencies } = await this.summary();
        for (const name of DEPENDENCIES) gauge.set({ dependency: name }, dependencies[name].status === 'up' ? 1 : 0);
      },
    });
  }

  async probeDatabase(): Promise<ProbeResult> {
    try {
      await withTimeLimit(checkDatabase(this.pool), DATABASE_PROBE_TIMEOUT_MS, () => new Error(`no answer within ${DATABASE_PROBE_TIMEOUT_MS} ms`));
      return { up: true };
    } catch (error) {
      return { up: false, reason: safeReason(error instanceof Error ? error.message : String(error)) };
    }
  }

  async summary(): Promise<HealthSummary> {
    const consumers = this.consumers.report();
    const probes = { database: await this.probeDatabase(), kafka: kafkaProbe(consumers) };
    for (const name of DEPENDENCIES) this.note(name, probes[name]);
    return summarize({ accepting: this.readiness.accepting, probes, downSince: this.downSince, consumers });
  }

  /** Keeps when each dependency went down, and says so once when it does and once when it is back. */
  private note(name: DependencyName, probe: ProbeResult): void {
    const since = this.downSince.get(name);
    if (!probe.up && since === undefined) {
      this.downSince.set(name, new Date());
      this.logger.warn({ dependency: name, reason: safeReason(probe.reason) }, `dependency down: ${name}; the service waits for it`);
    } else if (probe.up && since !== undefined) {
      this.downSince.delete(name);
      this.logger.info({ dependency: name, downMs: Date.now() - since.getTime() }, `dependency back: ${name}`);
    }
  }
}
