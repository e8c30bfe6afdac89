import type { TenantPolicyRecord } from '@sluice/ledger';
import type { Logger } from 'pino';
import { admissionErrors, AdmissionInput, TenantAdmission, UnconfiguredTenants } from './tenant.admission';
import type { FieldError } from '@sluice/contracts';

export interface TenantPoliciesSource {
  policies(): Promise<TenantPolicyRecord[]>;
}

/**
 * Tenants' policies (disabled, intake topics, replyTo prefixes) held in memory: read whole at start,
 * then again every `refreshMs` in the background, so admitting a request never costs a query. A change
 * made with `npm run keys` takes effect within `refreshMs`; a failed refresh keeps the last policies
 * and is tried again at the next tick.
 */
export class TenantPoliciesCache implements TenantAdmission {
  private byTenant = new Map<string, TenantPolicyRecord>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly source: TenantPoliciesSource,
    private readonly settings: { unconfigured: UnconfiguredTenants; refreshMs: number },
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** Reads the policies once (a failure fails the caller: no request is admitted on a guess), then keeps them fresh. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.logger.warn({ err: error }, 'tenant policies could not be refreshed; the last ones read stay in force'));
    }, this.settings.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const policies = await this.source.policies();
    this.byTenant = new Map(policies.map((policy) => [policy.id, policy]));
  }

  errors(input: AdmissionInput): FieldError[] {
    return admissionErrors(this.byTenant.get(input.tenant), this.settings.unconfigured, input);
  }
}
