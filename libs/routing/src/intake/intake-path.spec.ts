import { coldTurnaround, DEFAULT_POLICY, type Lane, type RoutingPolicy, parsePolicy } from '../policy/routing-policy';
import { laneCosts, type LanePricing } from '../costs/cost-estimate';
import { routeRequest } from '../decision/route-request';
import { type IntakePathRequest, intakePath } from './intake-path';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
// Where the async lane's prior reaches the default 99.9 % attainment target.
const ASYNC_READY = 5 * 60_000;

function pricing(lanes: readonly Lane[], flexDiscount: number | null = 0.5): LanePricing {
  return { inputPerMTok: 0.15, outputPerMTok: 0.6, batchDiscount: 0.5, flexDiscount, lanes };
}

// A model with a flex tier, so the async lane is cheaper than realtime.
const FLEX = pricing(['realtime', 'async', 'batch']);

function request(overrides: Partial<IntakePathRequest> = {}): IntakePathRequest {
  return {
    tenant: 'acme',
    provider: 'openai',
    model: 'gpt-5-mini',
    operation: 'chat',
    mode: 'auto',
    stream: false,
    receivedAtMs: NOW,
    pricing: FLEX,
    ...overrides,
  };
}

function policy(plain: unknown): RoutingPolicy {
  const parsed = parsePolicy(plain);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

describe('intakePath', () => {
  it('sends work that can wait for the async lane or longer the bulk path', () => {
    expect(intakePath(request({ deadlineMs: NOW + 48 * HOUR }), DEFAULT_POLICY, NOW)).toBe('bulk');
    expect(intakePath(request({ deadlineMs: NOW + ASYNC_READY }), DEFAULT_POLICY, NOW)).toBe('bulk');
  });

  it('sends work no cheaper lane is expected to make in time, or whose deadline is gone, the urgent path', () => {
    expect(intakePath(request({ deadlineMs: NOW + ASYNC_READY - 1_000 }), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ deadlineMs: NOW + 20_000 }), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ deadlineMs: NOW - 1 }), DEFAULT_POLICY, NOW)).toBe('urgent');
  });

  it('counts the slack from now, so a request that waited long at the door becomes urgent', () => {
    const deadlineMs = NOW + ASYNC_READY + 60_000;
    expect(intakePath(request({ deadlineMs }), DEFAULT_POLICY, NOW)).toBe('bulk');
    expect(intakePath(request({ deadlineMs }), DEFAULT_POLICY, NOW + 2 * 60_000)).toBe('urgent');
  });

  it('takes the policy default deadline of the tenant and operation when the request has none', () => {
    // chat defaults to 60 s, embeddings to a day.
    expect(intakePath(request(), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ operation: 'embedding', model: 'text-embedding-3-small' }), DEFAULT_POLICY, NOW)).toBe('bulk');
    const nightly = policy({ tenants: { acme: { operations: { chat: { defaultDeadlineMs: 12 * HOUR } } } } });
    expect(intakePath(request(), nightly, NOW)).toBe('bulk');
  });

  it('uses the priors of the policy, not built-in ones', () => {
    const slow = { quantilesMs: { '0.5': HOUR, '1': 10 * HOUR } };
    const slowLanes = policy({ turnaround: { priors: { async: slow }, providers: { openai: { batch: slow } } } });
    expect(intakePath(request({ deadlineMs: NOW + HOUR }), DEFAULT_POLICY, NOW)).toBe('bulk');
    expect(intakePath(request({ deadlineMs: NOW + HOUR }), slowLanes, NOW)).toBe('urgent');
  });

  it('sends streams and an explicit realtime mode the urgent path, whatever the deadline', () => {
    expect(intakePath(request({ stream: true, deadlineMs: NOW + 48 * HOUR }), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ mode: 'realtime', deadlineMs: NOW + 48 * HOUR }), DEFAULT_POLICY, NOW)).toBe('urgent');
  });

  it('sends an explicit async or batch mode the bulk path, as the router obeys it', () => {
    expect(intakePath(request({ mode: 'batch', deadlineMs: NOW + 1_000 }), DEFAULT_POLICY, NOW)).toBe('bulk');
    expect(intakePath(request({ mode: 'async', deadlineMs: NOW + 1_000 }), DEFAULT_POLICY, NOW)).toBe('bulk');
  });

  it('follows the allowed lanes: a realtime mode the policy forbids is routed by deadline', () => {
    const noRealtime = policy({ tenants: { acme: { operations: { chat: { allowedLanes: ['async', 'batch'] } } } } });
    expect(intakePath(request({ mode: 'realtime', deadlineMs: NOW + 48 * HOUR }), noRealtime, NOW)).toBe('bulk');
    const realtimeOnly = policy({ tenants: { acme: { operations: { chat: { allowedLanes: ['realtime'] } } } } });
    expect(intakePath(request({ deadlineMs: NOW + 48 * HOUR }), realtimeOnly, NOW)).toBe('urgent');
  });

  it('sends a stream the policy forbids the urgent path: the router refuses it, and the caller is waiting', () => {
    const noRealtime = policy({ tenants: { acme: { operations: { chat: { allowedLanes: ['async', 'batch'] } } } } });
    expect(intakePath(request({ stream: true }), noRealtime, NOW)).toBe('urgent');
  });

  it('sends work for a model with only the realtime lane the urgent path', () => {
    expect(intakePath(request({ deadlineMs: NOW + 48 * HOUR, pricing: pricing(['realtime']) }), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ deadlineMs: NOW + 48 * HOUR, pricing: pricing(['realtime', 'async']) }), DEFAULT_POLICY, NOW)).toBe('bulk');
  });

  it('sends work for a model without flex the urgent path when only the async lane could make it: at list price, realtime is as cheap and faster', () => {
    const noFlex = pricing(['realtime', 'async', 'batch'], null);
    expect(intakePath(request({ deadlineMs: NOW + 10 * 60_000, pricing: noFlex }), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ deadlineMs: NOW + 2 * HOUR, pricing: noFlex }), DEFAULT_POLICY, NOW)).toBe('bulk');
  });

  it('never sends the bulk path what the router, on the same priors, routes to realtime', () => {
    const cases: IntakePathRequest[] = [];
    for (const mode of ['auto', 'realtime', 'async', 'batch'] as const) {
      for (const stream of [false, true]) {
        for (const slackMs of [-1, 0, 1_000, ASYNC_READY - 1, ASYNC_READY, ASYNC_READY + 1, 30 * 60_000, 2 * HOUR, 7 * HOUR, undefined]) {
          for (const model of [undefined, FLEX, pricing(['realtime']), pricing(['realtime', 'batch'], null), pricing(['realtime', 'async', 'batch'], null)]) {
            cases.push(request({ mode, stream, deadlineMs: slackMs === undefined ? undefined : NOW + slackMs, pricing: model }));
          }
        }
      }
    }
    for (const item of cases) {
      // The router prices the request's own tokens; the door does not count them.
      const usage = { inputTokens: 1_234, outputTokens: 512 };
      const decision = routeRequest(item, {
        nowMs: NOW,
        policy: DEFAULT_POLICY,
        turnaround: (lane) => coldTurnaround(DEFAULT_POLICY, item.provider, lane),
        costs: laneCosts(item.pricing ?? pricing(['realtime', 'async', 'batch'], null), usage),
        spentTodayUsd: 0,
      });
      const realtime = decision.ok && decision.lane === 'realtime';
      expect({ item, path: intakePath(item, DEFAULT_POLICY, NOW) }).toEqual({ item, path: realtime ? 'urgent' : 'bulk' });
    }
  });
});
