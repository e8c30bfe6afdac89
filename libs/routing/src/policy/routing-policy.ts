import { blendTurnaround, distributionErrors, type Turnaround, type TurnaroundDistribution } from '../turnaround/turnaround-distribution';
import { GENERIC_PRIORS, PROVIDER_PRIORS } from '../turnaround/turnaround-priors';

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
  /** This tenant's share of deadlines to meet, over the policy's. */
  attainmentTarget?: number;
}

/** How lanes are expected to turn requests around, before and while the ledger shows how they do. */
export interface TurnaroundPolicy {
  /** Priors per lane for every provider. */
  priors: Record<Lane, TurnaroundDistribution>;
  /** A provider's own priors, over `priors`, lane by lane. */
  providers: Record<string, Partial<Record<Lane, TurnaroundDistribution>>>;
  /** How many observations a prior counts as when blended with what was learned. */
  priorWeight: number;
  /**
   * How long before its deadline a request still waiting for its batch is re-issued on the realtime
   * lane: the batch lane's answer must come this much before the deadline, and realtime gets this long.
   */
  escalationLeadMs: number;
}

export interface RoutingPolicy {
  operations: Record<Operation, OperationPolicy>;
  turnaround: TurnaroundPolicy;
  /** Share of deadlines a lane must be expected to meet (counting escalation) to be chosen; per tenant in `tenants`. */
  attainmentTarget: number;
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
  turnaround: { priors: { ...GENERIC_PRIORS }, providers: { ...PROVIDER_PRIORS }, priorWeight: 20, escalationLeadMs: 60_000 },
  attainmentTarget: 0.999,
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

  /** `{ quantilesMs: { "0.5": ms, ... }, unfinishedShare? }`, the quantiles sorted by their value. */
  distribution(value: unknown, path: string): TurnaroundDistribution | undefined {
    if (!isPlain(value)) return this.fail(path, 'must be an object with quantilesMs');
    this.onlyKeys(value, ['quantilesMs', 'unfinishedShare'], path);
    if (!isPlain(value.quantilesMs)) return this.fail(`${path}.quantilesMs`, 'must be an object of quantile: ms, e.g. { "0.5": 1800000, "1": 86400000 }');
    const points = Object.entries(value.quantilesMs)
      .map(([quantile, ms]) => ({ quantile: Number(quantile), ms: typeof ms === 'number' ? ms : Number.NaN }))
      .sort((a, b) => a.quantile - b.quantile);
    const unfinishedShare = value.unfinishedShare ?? 0;
    const distribution = { points, unfinishedShare: typeof unfinishedShare === 'number' ? unfinishedShare : Number.NaN };
    const errors = distributionErrors(distribution, path);
    for (const error of errors) this.fail(error.path, error.message);
    return errors.length === 0 ? distribution : undefined;
  }

  laneDistributions(value: unknown, path: string): Partial<Record<Lane, TurnaroundDistribution>> | undefined {
    if (value === undefined) return undefined;
    if (!isPlain(value)) return this.fail(path, 'must be an object keyed by lane');
    this.onlyKeys(value, [...LANES], path);
    const result: Partial<Record<Lane, TurnaroundDistribution>> = {};
    for (const lane of LANES) {
      if (value[lane] === undefined) continue;
      const parsed = this.distribution(value[lane], `${path}.${lane}`);
      if (parsed) result[lane] = parsed;
    }
    return result;
  }

  turnaround(value: unknown, path: string): TurnaroundPolicy {
    const defaults = DEFAULT_POLICY.turnaround;
    if (value === undefined) return defaults;
    if (!isPlain(value)) {
      this.fail(path, 'must be an object');
      return defaults;
    }
    this.onlyKeys(value, ['priors', 'providers', 'priorWeight', 'escalationLeadMs'], path);
    const providers = { ...defaults.providers };
    if (value.providers !== undefined) {
      if (!isPlain(value.providers)) this.fail(`${path}.providers`, 'must be an object keyed by provider');
      else
        for (const [provider, lanes] of Object.entries(value.providers)) {
          const parsed = this.laneDistributions(lanes, `${path}.providers.${provider}`);
          if (parsed) providers[provider] = { ...providers[provider], ...parsed };
        }
    }
    return {
      priors: { ...defaults.priors, ...this.laneDistributions(value.priors, `${path}.priors`) },
      providers,
      priorWeight: this.positiveNumber(value.priorWeight, `${path}.priorWeight`) ?? defaults.priorWeight,
      escalationLeadMs: this.positiveNumber(value.escalationLeadMs, `${path}.escalationLeadMs`) ?? defaults.escalationLeadMs,
    };
  }

  target(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !(value > 0 && value < 1)) return this.fail(path, 'must be a number in (0, 1), e.g. 0.999');
    return value;
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
  reader.onlyKeys(input, ['operations', 'turnaround', 'attainmentTarget', 'reservedRealtimeShare', 'tenants'], '');

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

  const turnaround = reader.turnaround(input.turnaround, 'turnaround');
  const attainmentTarget = reader.target(input.attainmentTarget, 'attainmentTarget') ?? DEFAULT_POLICY.attainmentTarget;

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
        reader.onlyKeys(value, ['operations', 'dailyBudgetUsd', 'shareCache', 'attainmentTarget'], path);
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
        const target = reader.target(value.attainmentTarget, `${path}.attainmentTarget`);
        if (target !== undefined) tenantPolicy.attainmentTarget = target;
        if (value.shareCache !== undefined) {
          if (typeof value.shareCache !== 'boolean') reader.fail(`${path}.shareCache`, 'must be true or false');
          else tenantPolicy.shareCache = value.shareCache;
        }
        tenants[tenant] = tenantPolicy;
      }
    }
  }

  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };
  return { ok: true, policy: { operations, turnaround, attainmentTarget, reservedRealtimeShare, tenants } };
}

/** The effective operation policy for one tenant: the tenant's overrides over the operation defaults. */
export function operationPolicyFor(policy: RoutingPolicy, tenant: string, operation: Operation): OperationPolicy {
  const override = policy.tenants[tenant]?.operations[operation] ?? {};
  return { ...policy.operations[operation], ...override };
}

/** The share of deadlines routing aims to meet for this tenant. */
export function attainmentTargetFor(policy: RoutingPolicy, tenant: string): number {
  return policy.tenants[tenant]?.attainmentTarget ?? policy.attainmentTarget;
}

/** The prior of one provider's lane: the provider's own where the policy has one, else the lane's. */
export function turnaroundPriorFor(policy: RoutingPolicy, provider: string, lane: Lane): TurnaroundDistribution {
  return policy.turnaround.providers[provider]?.[lane] ?? policy.turnaround.priors[lane];
}

/** A lane planned on its prior alone: before the ledger has shown anything of it. */
export function coldTurnaround(policy: RoutingPolicy, provider: string, lane: Lane): Turnaround {
  return blendTurnaround(turnaroundPriorFor(policy, provider, lane), undefined, 0, policy.turnaround.priorWeight);
}
