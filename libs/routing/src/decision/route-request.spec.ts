import { DEFAULT_POLICY, type RoutingPolicy, parsePolicy } from '../policy/routing-policy';
import { type LaneCosts, type RouteContext, type RouteInput, routeRequest } from './route-request';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const COSTS: LaneCosts = { realtime: 0.01, async: 0.005, batch: 0.005 };

function input(overrides: Partial<RouteInput> = {}): RouteInput {
  return { tenant: 'acme', provider: 'openai', model: 'gpt-4o-mini', operation: 'chat', mode: 'auto', stream: false, receivedAtMs: NOW, ...overrides };
}

function context(overrides: Partial<RouteContext> = {}): RouteContext {
  const estimates = { realtime: 5_000, async: 5 * 60_000, batch: 6 * HOUR };
  return { nowMs: NOW, policy: DEFAULT_POLICY, estimateMs: (lane) => estimates[lane], costs: COSTS, spentTodayUsd: 0, ...overrides };
}

function policy(plain: unknown): RoutingPolicy {
  const parsed = parsePolicy(plain);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

describe('routeRequest', () => {
  it('sends work whose slack exceeds the batch estimate to batch', () => {
    const decision = routeRequest(input({ deadlineMs: NOW + 7 * HOUR }), context());
    expect(decision).toMatchObject({
      ok: true,
      lane: 'batch',
      reason: 'slack-allows-batch',
      slackMs: 7 * HOUR,
      estimatedCostUsd: 0.005,
      realtimeCostUsd: 0.01,
    });
  });

  it('sends work with minutes of slack to async and seconds of slack to realtime', () => {
    expect(routeRequest(input({ deadlineMs: NOW + 10 * 60_000 }), context())).toMatchObject({ lane: 'async', reason: 'slack-allows-async' });
    expect(routeRequest(input({ deadlineMs: NOW + 30_000 }), context())).toMatchObject({ lane: 'realtime', reason: 'slack-needs-realtime' });
  });

  it('still tries realtime for a deadline that has already passed, and says so', () => {
    expect(routeRequest(input({ deadlineMs: NOW - 1 }), context())).toMatchObject({ lane: 'realtime', reason: 'deadline-already-passed' });
  });

  it('gives requests without a deadline the default of their operation, counted from receipt', () => {
    const embedding = routeRequest(input({ operation: 'embedding', model: 'text-embedding-3-small' }), context());
    expect(embedding).toMatchObject({ lane: 'batch', deadlineMs: NOW + 24 * HOUR });
    const chat = routeRequest(input({ receivedAtMs: NOW - 50_000 }), context());
    expect(chat).toMatchObject({ lane: 'realtime', deadlineMs: NOW + 10_000 });
  });

  it('uses tenant defaults over operation defaults', () => {
    const p = policy({ tenants: { nightly: { operations: { chat: { defaultDeadlineMs: 12 * HOUR } } } } });
    expect(routeRequest(input({ tenant: 'nightly' }), context({ policy: p }))).toMatchObject({ lane: 'batch' });
    expect(routeRequest(input({ tenant: 'acme' }), context({ policy: p }))).toMatchObject({ lane: 'realtime' });
  });

  it('obeys an explicit mode the policy allows, whatever the slack', () => {
    expect(routeRequest(input({ mode: 'batch', deadlineMs: NOW + 1_000 }), context())).toMatchObject({ lane: 'batch', reason: 'explicit-mode' });
    expect(routeRequest(input({ mode: 'realtime', deadlineMs: NOW + 48 * HOUR }), context())).toMatchObject({ lane: 'realtime', reason: 'explicit-mode' });
  });

  it('routes by deadline, with a note, when the explicit mode is not allowed or not supported by the model', () => {
    const p = policy({ tenants: { acme: { operations: { chat: { allowedLanes: ['realtime', 'async'] } } } } });
    const decision = routeRequest(input({ mode: 'batch', deadlineMs: NOW + 48 * HOUR }), context({ policy: p }));
    expect(decision).toMatchObject({ lane: 'async', reason: 'slack-allows-async' });
    expect(decision.ok && decision.note).toMatch(/mode batch is not allowed/);
    const noBatchModel = routeRequest(input({ mode: 'batch' }), context({ costs: { realtime: 0.01, async: 0.01, batch: null } }));
    expect(noBatchModel).toMatchObject({ lane: 'realtime' });
  });

  it('keeps streaming requests on realtime, since only the sync API streams tokens', () => {
    expect(routeRequest(input({ stream: true, mode: 'batch', deadlineMs: NOW + 48 * HOUR }), context())).toMatchObject({
      lane: 'realtime',
      reason: 'stream-needs-realtime',
    });
    const p = policy({ operations: { chat: { allowedLanes: ['batch'] } } });
    expect(routeRequest(input({ stream: true }), context({ policy: p }))).toMatchObject({ ok: false, code: 'LANE_NOT_ALLOWED', field: 'stream' });
  });

  it('counts slack from notBefore, since held work cannot start earlier', () => {
    const decision = routeRequest(input({ notBeforeMs: NOW + 5 * HOUR, deadlineMs: NOW + 7 * HOUR }), context());
    expect(decision).toMatchObject({ lane: 'async', slackMs: 2 * HOUR });
  });

  it('pushes over-budget work to a cheaper lane that meets the deadline, else refuses it', () => {
    const p = policy({ tenants: { acme: { dailyBudgetUsd: 1 } } });
    const pushed = routeRequest(input({ mode: 'realtime', deadlineMs: NOW + 10 * 60_000 }), context({ policy: p, spentTodayUsd: 0.995 }));
    expect(pushed).toMatchObject({ lane: 'async', reason: 'budget-pushed-to-cheaper-lane', estimatedCostUsd: 0.005 });
    const refused = routeRequest(input({ deadlineMs: NOW + 30_000 }), context({ policy: p, spentTodayUsd: 0.995 }));
    expect(refused).toMatchObject({ ok: false, code: 'BUDGET_EXCEEDED' });
    const within = routeRequest(input({ deadlineMs: NOW + 30_000 }), context({ policy: p, spentTodayUsd: 0.5 }));
    expect(within).toMatchObject({ lane: 'realtime' });
  });

  it('names the spend and the cost in a budget refusal, however small they are', () => {
    const p = policy({ tenants: { acme: { dailyBudgetUsd: 0.00001 } } });
    const refused = routeRequest(input({ deadlineMs: NOW + 30_000 }), context({ policy: p, costs: { realtime: 0.0000375, async: null, batch: null } }));
    expect(refused).toMatchObject({
      ok: false,
      message: 'tenant acme has spent 0 USD of its 0.00001 USD daily budget; this request would cost 0.0000375 USD',
    });
  });

  it('falls back to the fastest allowed lane when realtime is not allowed', () => {
    const p = policy({ operations: { chat: { allowedLanes: ['async', 'batch'] } } });
    expect(routeRequest(input({ deadlineMs: NOW + 1_000 }), context({ policy: p }))).toMatchObject({ lane: 'async' });
  });
});
