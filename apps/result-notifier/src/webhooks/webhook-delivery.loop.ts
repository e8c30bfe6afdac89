import { isAllowedWebhookUrl } from '@sluice/contracts';
import type { WebhookDeliveriesRepository, WebhookDelivery } from '@sluice/ledger';
import type { Logger } from 'pino';
import { WebhookKeys } from './webhook.keys';
import { WebhookMetrics } from './webhook.metrics';
import { AttemptDecision, AttemptResult, decideAttempt, WebhookRetryPolicy } from './webhook.retry-policy';
import { WebhookPoster } from './webhook.sender';
import { signedWebhookHeaders } from './webhook.signature';

export interface WebhookLoopSettings {
  policy: WebhookRetryPolicy;
  /** Deliveries attempted at once. */
  concurrency: number;
  /** Deliveries of one tenant attempted at once: a slow receiver holds only this much of `concurrency`. */
  concurrencyPerTenant: number;
  /** Sleep between looks at the ledger while nothing is due and nobody calls wake(). */
  pollMs: number;
  timeoutMs: number;
}

export interface WebhookLoopDependencies {
  deliveries: Pick<WebhookDeliveriesRepository, 'claimDue' | 'markDelivered' | 'markFailed'>;
  keys: WebhookKeys;
  post: WebhookPoster;
  metrics: WebhookMetrics;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Claims due deliveries from the ledger and POSTs them, signed. Each tenant may hold only its share
 * of the attempts in flight, so a receiver that answers slowly (or never, until the timeout) delays
 * its own tenant's webhooks and nobody else's. All state is in the ledger, so any
 * number of notifiers can run the loop and a restart loses nothing: a claim leases a delivery for
 * longer than an attempt can take, and a notifier that dies mid-attempt only delays it by the lease.
 */
export class WebhookDeliveryLoop {
  private readonly clock: () => Date;
  private readonly leaseMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly inFlightByTenant = new Map<string, number>();
  private running?: Promise<void>;
  private stopping = false;
  private woken = false;
  private wakeUp?: () => void;

  constructor(
    private readonly settings: WebhookLoopSettings,
    private readonly deps: WebhookLoopDependencies,
  ) {
    this.clock = deps.clock ?? (() => new Date());
    // The attempt, then the ledger write that records it, must both fit in the lease.
    this.leaseMs = settings.timeoutMs * 2 + 5_000;
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = this.run();
  }

  /** Looks for due deliveries now instead of at the next poll: a completion was just queued. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming and waits for the attempts in flight, which their timeout bounds. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      const capacity = this.settings.concurrency - this.inFlight.size;
      const claimed = capacity > 0 ? await this.claim(capacity) : [];
      for (const delivery of claimed) this.track(delivery.tenant, this.deliver(delivery));
      // A full claim means more may be due right now.
      if (capacity > 0 && claimed.length === capacity) continue;
      if (!this.woken && !this.stopping) await this.idle();
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private async claim(limit: number): Promise<WebhookDelivery[]> {
    let claimed: WebhookDelivery[];
    try {
      claimed = await this.deps.deliveries.claimDue(limit, this.leaseMs, this.clock(), {
        perTenant: this.settings.concurrencyPerTenant,
        inFlight: this.inFlightByTenant,
      });
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not claim due webhook deliveries; trying again at the next poll');
      return [];
    }
    try {
      await this.deps.keys.prepare(claimed.map((delivery) => delivery.tenant));
      return claimed;
    } catch (error) {
      // Signing with the wrong key would fail at the receiver and spend an attempt: these wait for their lease to end.
      this.deps.logger.warn(
        { err: error, claimed: claimed.length },
        'could not read the tenants’ webhook secrets; the claimed deliveries are tried when their lease ends',
      );
      return [];
    }
  }

  private track(tenant: string, delivering: Promise<void>): void {
    this.inFlightByTenant.set(tenant, (this.inFlightByTenant.get(tenant) ?? 0) + 1);
    const settled = delivering
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'webhook attempt failed unexpectedly; it is retried when its lease ends'))
      .finally(() => {
        this.inFlight.delete(settled);
        const left = (this.inFlightByTenant.get(tenant) ?? 1) - 1;
        if (left > 0) this.inFlightByTenant.set(tenant, left);
        else this.inFlightByTenant.delete(tenant);
        // Capacity freed: anything due beyond the last claim can go now.
        this.wake();
      });
    this.inFlight.add(settled);
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.settings.pollMs);
      this.wakeUp = done;
    });
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    // Checked again here, not only at ingestion: the row is the last word before a request leaves.
    const decision: AttemptDecision = isAllowedWebhookUrl(delivery.url)
      ? decideAttempt(await this.attempt(delivery), delivery.attempts, this.settings.policy, this.clock())
      : { outcome: 'dead', statusCode: null, error: 'the webhook URL is not allowed (https, or http to a loopback host)' };
    this.deps.metrics.attempted(decision.outcome);
    this.log(delivery, decision);
    try {
      if (decision.outcome === 'delivered') await this.deps.deliveries.markDelivered(delivery.eventId, decision.statusCode);
      else {
        const retryAt = decision.outcome === 'retry' ? decision.retryAt : null;
        await this.deps.deliveries.markFailed(delivery.eventId, { statusCode: decision.statusCode, error: decision.error, retryAt });
      }
    } catch (error) {
      // The lease runs out and the delivery is attempted again: a receiver may see this event id twice.
      this.deps.logger.error({ err: error, eventId: delivery.eventId }, 'could not record a webhook attempt');
    }
  }

  private async attempt(delivery: WebhookDelivery): Promise<AttemptResult> {
    const body = JSON.stringify(delivery.payload);
    const headers = signedWebhookHeaders(this.deps.keys.keysFor(delivery.tenant), delivery.eventId, this.clock(), body);
    return this.deps.post({ url: delivery.url, body, headers: { ...headers }, timeoutMs: this.settings.timeoutMs });
  }

  private log(delivery: WebhookDelivery, decision: AttemptDecision): void {
    // The origin only: a URL's path and query may carry the receiver's own tokens.
    const fields = {
      eventId: delivery.eventId,
      tenant: delivery.tenant,
      requestId: delivery.requestId,
      origin: originOf(delivery.url),
      attempt: delivery.attempts,
    };
    if (decision.outcome === 'delivered') this.deps.logger.debug({ ...fields, statusCode: decision.statusCode }, 'webhook delivered');
    else if (decision.outcome === 'retry')
      this.deps.logger.info({ ...fields, error: decision.error, retryAt: decision.retryAt }, 'webhook attempt failed; will retry');
    else this.deps.logger.warn({ ...fields, statusCode: decision.statusCode, error: decision.error }, 'webhook delivery dead');
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid-url';
  }
}
