import { ErrorCode, FieldError } from '@sluice/contracts';
import type { TenantPolicyRecord } from '@sluice/ledger';

/**
 * What a tenant with no binding (or no `replyTo` prefixes) may do: `open`, as before bindings existed
 * (any intake topic, any `replyTo` the contract allows), or `closed` (nothing on Kafka, no `replyTo`).
 */
export type UnconfiguredTenants = 'open' | 'closed';

/** Where a request came from and where it wants its result copied. */
export interface AdmissionInput {
  tenant: string;
  /** The intake topic it was read from; absent over HTTP, where the API key names the tenant. */
  sourceTopic?: string;
  replyTo?: string;
}

/** Admits requests by their tenant's policy; `errors` is empty for an admitted request. */
export interface TenantAdmission {
  errors(input: AdmissionInput): FieldError[];
}

/**
 * The refusals a tenant's policy gives a request: disabled tenants take nothing; a request read from
 * an intake topic its tenant is not bound to is not the tenant's (whoever may write that topic may not
 * speak for it); a `replyTo` must start with one of the tenant's prefixes. Both refusals name the
 * field a caller has to change.
 */
export function admissionErrors(policy: TenantPolicyRecord | undefined, unconfigured: UnconfiguredTenants, input: AdmissionInput): FieldError[] {
  const { tenant, sourceTopic, replyTo } = input;
  if (policy?.disabled) return [{ code: ErrorCode.TENANT_DISABLED, message: `tenant ${tenant} is disabled`, field: 'tenant' }];
  const errors: FieldError[] = [];
  if (sourceTopic !== undefined) {
    const bound = policy?.intakeTopics ?? null;
    if (bound === null ? unconfigured === 'closed' : !bound.includes(sourceTopic)) {
      const why = bound === null ? 'it is bound to no intake topic' : `it is bound to ${bound.join(', ')}`;
      errors.push({ code: ErrorCode.TENANT_NOT_BOUND, message: `tenant ${tenant} may not be spoken for from ${sourceTopic}: ${why}`, field: 'tenant' });
    }
  }
  if (replyTo !== undefined) {
    const prefixes = policy?.replyToPrefixes ?? null;
    if (prefixes === null ? unconfigured === 'closed' : !prefixes.some((prefix) => replyTo.startsWith(prefix))) {
      const allowed = prefixes === null ? 'the tenant has no replyTo prefixes' : `it must start with ${prefixes.join(' or ')}`;
      errors.push({ code: ErrorCode.REPLY_TO_NOT_ALLOWED, message: `replyTo ${replyTo} is not allowed for tenant ${tenant}: ${allowed}`, field: 'replyTo' });
    }
  }
  return errors;
}

/** Every tenant admitted as unconfigured and open: for tests of what comes after admission. */
export const OPEN_ADMISSION: TenantAdmission = { errors: (input) => admissionErrors(undefined, 'open', input) };
