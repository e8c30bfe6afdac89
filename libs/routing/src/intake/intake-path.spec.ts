import { DEFAULT_POLICY, type RoutingPolicy, parsePolicy } from '../policy/routing-policy';
import { routeRequest } from '../decision/route-request';
import { type IntakePathRequest, intakePath } from './intake-path';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const ASYNC_ESTIMATE = DEFAULT_POLICY.defaultEstimatesMs.async;

function request(overrides: Partial<IntakePathRequest> = {}): IntakePathRequest {
  return { tenant: 'acme', provider: 'openai', model: 'gpt-4o-mini', operation: 'chat', mode: 'auto', stream: false, receivedAtMs: NOW, ...overrides };
}

function policy(plain: unknown): RoutingPolicy {
  const parsed = parsePolicy(plain);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

describe('intakePath', () => {
  it('sends work that can wait for the async lane or longer the bulk path', () => {
    expect(intakePath(request({ deadlineMs: NOW + 48 * HOUR }), DEFAULT_POLICY, NOW)).toBe('bulk');
    expect(intakePath(request({ deadlineMs: NOW + ASYNC_ESTIMATE + 1 }), DEFAULT_POLICY, NOW)).toBe('bulk');
  });

  it('sends work whose slack is below the async estimate, or already gone, the urgent path', () => {
    expect(intakePath(request({ deadlineMs: NOW + ASYNC_ESTIMATE }), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ deadlineMs: NOW + 20_000 }), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ deadlineMs: NOW - 1 }), DEFAULT_POLICY, NOW)).toBe('urgent');
  });

  it('counts the slack from now, so a request that waited long at the door becomes urgent', () => {
    const deadlineMs = NOW + ASYNC_ESTIMATE + 60_000;
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

  it('uses the estimates of the policy, not built-in ones', () => {
    const slowAsync = policy({ defaultEstimatesMs: { async: 2 * HOUR } });
    expect(intakePath(request({ deadlineMs: NOW + HOUR }), DEFAULT_POLICY, NOW)).toBe('bulk');
    expect(intakePath(request({ deadlineMs: NOW + HOUR }), slowAsync, NOW)).toBe('urgent');
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
    expect(intakePath(request({ deadlineMs: NOW + 48 * HOUR, modelLanes: ['realtime'] }), DEFAULT_POLICY, NOW)).toBe('urgent');
    expect(intakePath(request({ deadlineMs: NOW + 48 * HOUR, modelLanes: ['realtime', 'async'] }), DEFAULT_POLICY, NOW)).toBe('bulk');
  });

  it('never sends the bulk path what the router, with the same estimates, routes to realtime', () => {
    const cases: IntakePathRequest[] = [];
    for (const mode of ['auto', 'realtime', 'async', 'batch'] as const) {
      for (const stream of [false, true]) {
        for (const slackMs of [-1, 0, 1_000, ASYNC_ESTIMATE - 1, ASYNC_ESTIMATE, ASYNC_ESTIMATE + 1, 5 * HOUR, 7 * HOUR, undefined]) {
          for (const modelLanes of [undefined, ['realtime'] as const, ['realtime', 'batch'] as const]) {
            cases.push(request({ mode, stream, deadlineMs: slackMs === undefined ? undefined : NOW + slackMs, modelLanes }));
          }
        }
      }
    }
    for (const item of cases) {
      const lanes = item.modelLanes ?? ['realtime', 'async', 'batch'];
      const decision = routeRequest(item, {
        nowMs: NOW,
        policy: DEFAULT_POLICY,
        estimateMs: (lane) => DEFAULT_POLICY.defaultEstimatesMs[lane],
        costs: { realtime: 0.01, async: lanes.includes('async') ? 0.005 : null, batch: lanes.includes('batch') ? 0.005 : null },
        spentTodayUsd: 0,
      });
      const realtime = decision.ok && decision.lane === 'realtime';
      expect({ item, path: intakePath(item, DEFAULT_POLICY, NOW) }).toEqual({ item, path: realtime ? 'urgent' : 'bulk' });
    }
  });
});
