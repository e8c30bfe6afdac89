import { DEFAULT_POLICY, type Lane, type RoutingPolicy, parsePolicy, turnaroundPriorFor } from '../policy/routing-policy';
import { blendTurnaround, type Turnaround, type TurnaroundDistribution } from '../turnaround/turnaround-distribution';
import { type LaneCosts, type RouteContext, type RouteInput, routeRequest } from './route-request';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
// A model with a flex tier (flex and batch both half price), and one without (async at list price).
const COSTS: LaneCosts = { realtime: 0.01, async: 0.005, batch: 0.005 };
const NON_FLEX: LaneCosts = { realtime: 0.01, async: 0.01, batch: 0.005 };

/** Answers spread evenly up to `ms`: the old single estimates, as distributions. */
function upTo(ms: number): Turnaround {
  return { parts: [{ weight: 1, distribution: { points: [{ quantile: 1, ms }], unfinishedShare: 0 } }], samples: 100 };
}

function input(overrides: Partial<RouteInput> = {}): RouteInput {
  return { tenant: 'acme', provider: 'openai', model: 'gpt-4o-mini', operation: 'chat', mode: 'auto', stream: false, receivedAtMs: NOW, ...overrides };
}

function context(overrides: Partial<RouteContext> = {}): RouteContext {
  const turnarounds: Record<Lane, Turnaround> = { realtime: upTo(5_000), async: upTo(5 * MINUTE), batch: upTo(6 * HOUR) };
  return { nowMs: NOW, policy: DEFAULT_POLICY, turnaround: (lane) => turnarounds[lane], costs: COSTS, spentTodayUsd: 0, ...overrides };
}

function policy(plain: unknown): RoutingPolicy {
  const parsed = parsePolicy(plain);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

describe('routeRequest', () => {
  it('sends work that batch answers in time, on a model without flex, to batch, and records every lane weighed', () => {
    const decision = routeRequest(input({ deadlineMs: NOW + 7 * HOUR }), context({ costs: NON_FLEX }));
    expect(decision).toMatchObject({
      ok: true,
      lane: 'batch',
      reason: 'slack-allows-batch',
      slackMs: 7 * HOUR,
      estimatedCostUsd: 0.005,
      realtimeCostUsd: 0.01,
    });
    expect(decision.ok && decision.lanes).toEqual([
      { lane: 'realtime', priceUsd: 0.01, missProbability: 0, meetProbability: 1, expectedCostUsd: 0.01 },
      { lane: 'async', priceUsd: 0.01, missProbability: 0, meetProbability: 1, expectedCostUsd: 0.01 },
      { lane: 'batch', priceUsd: 0.005, missProbability: 0, meetProbability: 1, expectedCostUsd: 0.005 },
    ]);
  });

  it('prefers flex to batch at the same price, so nobody waits hours for nothing', () => {
    expect(routeRequest(input({ deadlineMs: NOW + 7 * HOUR }), context())).toMatchObject({ lane: 'async', reason: 'slack-allows-async' });
  });

  it('sends work with minutes of slack to async and seconds of slack to realtime', () => {
    expect(routeRequest(input({ deadlineMs: NOW + 10 * 60_000 }), context())).toMatchObject({ lane: 'async', reason: 'slack-allows-async' });
    expect(routeRequest(input({ deadlineMs: NOW + 30_000 }), context())).toMatchObject({ lane: 'realtime', reason: 'slack-needs-realtime' });
  });

  it('still tries realtime for a deadline that has already passed, and says so', () => {
    expect(routeRequest(input({ deadlineMs: NOW - 1 }), context())).toMatchObject({ lane: 'realtime', reason: 'deadline-already-passed' });
  });

  it('gives requests without a deadline the default of their operation, counted from receipt', () => {
    const embedding = routeRequest(input({ operation: 'embedding', model: 'text-embedding-3-small' }), context({ costs: NON_FLEX }));
    expect(embedding).toMatchObject({ lane: 'batch', deadlineMs: NOW + 24 * HOUR });
    const chat = routeRequest(input({ receivedAtMs: NOW - 50_000 }), context());
    expect(chat).toMatchObject({ lane: 'realtime', deadlineMs: NOW + 10_000 });
  });

  it('uses tenant defaults over operation defaults', () => {
    const p = policy({ tenants: { nightly: { operations: { chat: { defaultDeadlineMs: 12 * HOUR } } } } });
    expect(routeRequest(input({ tenant: 'nightly' }), context({ policy: p, costs: NON_FLEX }))).toMatchObject({ lane: 'batch' });
    expect(routeRequest(input({ tenant: 'acme' }), context({ policy: p, costs: NON_FLEX }))).toMatchObject({ lane: 'realtime' });
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

  it("holds a lane to the tenant's attainment target", () => {
    // Realtime needs up to 2 minutes: an escalation given the 1-minute lead is late half the time.
    const turnarounds: Record<Lane, Turnaround> = { realtime: upTo(2 * MINUTE), async: upTo(5 * MINUTE), batch: upTo(4 * HOUR) };
    const ctx = context({ costs: NON_FLEX, turnaround: (lane) => turnarounds[lane] });
    // Batch misses its escalation point at 3 h 59 min in 1/240 of cases, so meets 1 - 1/480 of deadlines.
    expect(routeRequest(input({ deadlineMs: NOW + 4 * HOUR - 1_000 }), ctx)).toMatchObject({ lane: 'realtime' });
    const lenient = policy({ tenants: { acme: { attainmentTarget: 0.99 } } });
    expect(routeRequest(input({ deadlineMs: NOW + 4 * HOUR - 1_000 }), { ...ctx, policy: lenient })).toMatchObject({ lane: 'batch' });
  });

  describe('a 2 h chat deadline on a model without flex', () => {
    const quick: TurnaroundDistribution = {
      points: [
        { quantile: 0.5, ms: 10 * MINUTE },
        { quantile: 1, ms: 40 * MINUTE },
      ],
      unfinishedShare: 0,
    };
    // Hardly any came back within two hours.
    const slow: TurnaroundDistribution = {
      points: [
        { quantile: 0.01, ms: 2 * HOUR },
        { quantile: 1, ms: 5 * HOUR },
      ],
      unfinishedShare: 0,
    };

    function route(provider: string, model: string, batch: TurnaroundDistribution | undefined, samples: number) {
      const turnaround = (lane: Lane) =>
        blendTurnaround(turnaroundPriorFor(DEFAULT_POLICY, provider, lane), lane === 'batch' ? batch : undefined, lane === 'batch' ? samples : 0, 20);
      return routeRequest(input({ provider, model, deadlineMs: NOW + 2 * HOUR }), context({ costs: NON_FLEX, turnaround }));
    }

    it('goes to batch on the published priors alone', () => {
      // Anthropic: 80 % within the hour, 95 % within 3 h; at 119 min 0.8 + 0.15 * 59 / 120 are back, of the 99.9 % that ever are.
      const anthropic = route('anthropic', 'claude-haiku-4-5', undefined, 0);
      const miss = 1 - (0.8 + (0.15 * 59) / 120) * 0.999;
      expect(anthropic).toMatchObject({ lane: 'batch', reason: 'slack-allows-batch' });
      expect(anthropic.ok && anthropic.lanes[2]!.missProbability).toBeCloseTo(miss, 12);
      expect(anthropic.ok && anthropic.lanes[2]!.expectedCostUsd).toBeCloseTo(0.005 * (1 - 0.001) + miss * 0.01, 12);
      // OpenAI: 90 % within the hour, 99 % within 6 h.
      const openai = route('openai', 'gpt-4o-mini', undefined, 0);
      expect(openai).toMatchObject({ lane: 'batch' });
      expect(openai.ok && openai.lanes[2]!.missProbability).toBeCloseTo(1 - (0.9 + (0.09 * 59) / 300) * 0.999, 12);
    });

    it('goes to batch with a history of quick batches', () => {
      for (const [provider, model] of [
        ['anthropic', 'claude-haiku-4-5'],
        ['openai', 'gpt-4o-mini'],
      ] as const) {
        const decision = route(provider, model, quick, 100);
        expect(decision).toMatchObject({ lane: 'batch' });
        expect(decision.ok && decision.lanes[2]!.missProbability).toBeLessThan(0.03);
      }
    });

    it('does not with a history of slow batches, once they outweigh the prior', () => {
      for (const [provider, model] of [
        ['anthropic', 'claude-haiku-4-5'],
        ['openai', 'gpt-4o-mini'],
      ] as const) {
        const decision = route(provider, model, slow, 30);
        // The slow history weighs 30 / 50; at 119 min 1 % * 119 / 120 of it is back.
        const prior = provider === 'anthropic' ? (0.8 + (0.15 * 59) / 120) * 0.999 : (0.9 + (0.09 * 59) / 300) * 0.999;
        expect(decision.ok && decision.lanes[2]!.missProbability).toBeCloseTo(1 - (0.4 * prior + (0.6 * 0.01 * 119) / 120), 12);
        expect(decision).toMatchObject({ lane: 'realtime', reason: 'slack-needs-realtime' });
      }
    });
  });
});
