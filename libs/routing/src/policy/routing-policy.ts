/**
 * The declarative routing policy: defaults per operation, overridden per tenant and operation.
 * It is data (a JSON file in deploy/ by default), parsed and checked here without I/O so that a bad
 * policy is refused at boot with the offending path named, never discovered at routing time.
 */
export type Lane = 'realtime' | 'async' | 'batch';
export const LANES: readonly Lane[] = ['realtime', 'async', 'batch'];

export type Operation = 'chat' | 'embedding';
export const OPERATIONS: readonly Operation[] = ['chat', 'embedding'];

export interface OperationPolicy {
  /** Deadline given to requests that carry neither `deadline` nor `maxLatencyMs`. */
  defaultDeadlineMs: number;
  /** Lanes this operation may use; an explicit mode outside them is downgraded, not obeyed. */
  allowedLanes: Lane[];
}

export interface TenantPolicy {
  operations: Partial<Record<Operation, Partial<OperationPolicy>>>;
  /** Spend per UTC day above which realtime work is pushed to cheaper lanes or refused. */
  dailyBudgetUsd?: number;
  /** Whether this tenant's cache entries may answer other tenants' identical requests. */
  shareCache: boolean;
}

export interface RoutingPolicy {
  operations: Record<Operation, OperationPolicy>;
  /** Completion estimates used until enough completions have been observed per provider and model. */
  defaultEstimatesMs: Record<Lane, number>;
  /** Fraction of each provider model's concurrency that async work may never take. */
  reservedRealtimeShare: number;
  tenants: Record<string, TenantPolicy>;
}

export interface PolicyError {
  path: string;
  message: string;
}

export type ParsedPolicy = { ok: true; policy: RoutingPolicy } | { ok: false; errors: PolicyError[] };

const HOUR_MS = 3_600_000;

/** What Sluice does with no policy file: chat is interactive, embeddings can wait a day. */
export const DEFAULT_POLICY: RoutingPolicy = {
  operations: {
    chat: { defaultDeadlineMs: 60_000, allowedLanes: ['realtime', 'async', 'batch'] },
    embedding: { defaultDeadlineMs: 24 * HOUR_MS, allowedLanes: ['realtime', 'async', 'batch'] },
  },
  defaultEstimatesMs: { realtime: 10_000, async: 5 * 60_000, batch: 6 * HOUR_MS },
  reservedRealtimeShare: 0.3,
  tenants: {},
};

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class PolicyReader {
  readonly errors: PolicyError[] = [];

  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  positiveNumber(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      return this.fail(path, 'must be a positive number');
    }
    return value;
  }

  fraction(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || value < 0 || value >= 1) return this.fail(path, 'must be a number in [0, 1)');
    return value;
  }

  lanes(value: unknown, path: string): Lane[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length === 0) return this.fail(path, 'must be a non-empty array of lanes');
    const unknown = value.filter((lane) => !LANES.includes(lane as Lane));
    if (unknown.length > 0) return this.fail(path, `unknown lane(s) ${unknown.join(', ')}; expected ${LANES.join(', ')}`);
    return [...new Set(value as Lane[])];
  }

  operationPolicy(value: unknown, path: string): Partial<OperationPolicy> | undefined {
    if (value === undefined) return undefined;
    if (!isPlain(value)) return this.fail(path, 'must be an object');
    this.onlyKeys(value, ['defaultDeadlineMs', 'allowedLanes'], path);
    const result: Partial<OperationPolicy> = {};
    const deadline = this.positiveNumber(value.defaultDeadlineMs, `${path}.defaultDeadlineMs`);
    if (deadline !== undefined) result.defaultDeadlineMs = deadline;
    const lanes = this.lanes(value.allowedLanes, `${path}.allowedLanes`);
    if (lanes !== undefined) result.allowedLanes = lanes;
    return result;
  }

  onlyKeys(value: Plain, keys: string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.fail(path ? `${path}.${key}` : key, 'is not a known policy setting');
    }
  }
}

/** Checks a plain object (parsed JSON) against the policy shape, merging it over DEFAULT_POLICY. */
export function parsePolicy(input: unknown): ParsedPolicy {
  const reader = new PolicyReader();
  if (!isPlain(input)) return { ok: false, errors: [{ path: '', message: 'policy must be a JSON object' }] };
  reader.onlyKeys(input, ['operations', 'defaultEstimatesMs', 'reservedRealtimeShare', 'tenants'], '');

  const operations = { ...DEFAULT_POLICY.operations };
  if (input.operations !== undefined) {
    if (!isPlain(input.operations)) reader.fail('operations', 'must be an object');
    else {
      reader.onlyKeys(input.operations, [...OPERATIONS], 'operations');
      for (const operation of OPERATIONS) {
        const parsed = reader.operationPolicy(input.operations[operation], `operations.${operation}`);
        if (parsed) operations[operation] = { ...operations[operation], ...parsed };
      }
    }
  }

  const defaultEstimatesMs = { ...DEFAULT_POLICY.defaultEstimatesMs };
  if (input.defaultEstimatesMs !== undefined) {
    if (!isPlain(input.defaultEstimatesMs)) reader.fail('defaultEstimatesMs', 'must be an object');
    else {
      reader.onlyKeys(input.defaultEstimatesMs, [...LANES], 'defaultEstimatesMs');
      for (const lane of LANES) {
        const value = reader.positiveNumber(input.defaultEstimatesMs[lane], `defaultEstimatesMs.${lane}`);
        if (value !== undefined) defaultEstimatesMs[lane] = value;
      }
    }
  }

  const reservedRealtimeShare = reader.fraction(input.reservedRealtimeShare, 'reservedRealtimeShare') ?? DEFAULT_POLICY.reservedRealtimeShare;

  const tenants: Record<string, TenantPolicy> = {};
  if (input.tenants !== undefined) {
    if (!isPlain(input.tenants)) reader.fail('tenants', 'must be an object keyed by tenant id');
    else {
      for (const [tenant, value] of Object.entries(input.tenants)) {
        const path = `tenants.${tenant}`;
        if (!isPlain(value)) {
          reader.fail(path, 'must be an object');
          continue;
        }
        reader.onlyKeys(value, ['operations', 'dailyBudgetUsd', 'shareCache'], path);
        const tenantPolicy: TenantPolicy = { operations: {}, shareCache: false };
        if (value.operations !== undefined) {
          if (!isPlain(value.operations)) reader.fail(`${path}.operations`, 'must be an object');
          else {
            reader.onlyKeys(value.operations, [...OPERATIONS], `${path}.operations`);
            for (const operation of OPERATIONS) {
              const parsed = reader.operationPolicy(value.operations[operation], `${path}.operations.${operation}`);
              if (parsed) tenantPolicy.operations[operation] = parsed;
            }
          }
        }
        const budget = reader.positiveNumber(value.dailyBudgetUsd, `${path}.dailyBudgetUsd`);
        if (budget !== undefined) tenantPolicy.dailyBudgetUsd = budget;
        if (value.shareCache !== undefined) {
          if (typeof value.shareCache !== 'boolean') reader.fail(`${path}.shareCache`, 'must be true or false');
          else tenantPolicy.shareCache = value.shareCache;
        }
        tenants[tenant] = tenantPolicy;
      }
    }
  }

  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };
  return { ok: true, policy: { operations, defaultEstimatesMs, reservedRealtimeShare, tenants } };
}

/** The effective operation policy for one tenant: the tenant's overrides over the operation defaults. */
export function operationPolicyFor(policy: RoutingPolicy, tenant: string, operation: Operation): OperationPolicy {
  const override = policy.tenants[tenant]?.operations[operation] ?? {};
  return { ...policy.operations[operation], ...override };
}
