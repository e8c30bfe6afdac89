import { InferenceRequestV1, validateMessage } from '@sluice/contracts';
import type { TraceRow } from '../workload/trace.rows';
import { requestSentAt } from '../workload/workload.plan';
import { COST_MODELS, planCostWorkload } from './cost.plan';

const T0 = Date.UTC(2023, 10, 16, 18, 20, 0);
const rows: TraceRow[] = Array.from({ length: 400 }, (_, i) => ({
  source: i % 3 === 0 ? ('code' as const) : ('conv' as const),
  index: i,
  atMs: T0 + i * 250,
  contextTokens: 100 + i,
  generatedTokens: 10 + (i % 7),
}));
const options = { tenant: 'cost-x', runId: 'cost-x', seed: 1, speed: 2, deadlines: { minMs: 3_000, maxMs: 60_000 } };

describe('planCostWorkload', () => {
  const plan = planCostWorkload(rows, options);

  it('spreads requests over every model, flex and not, of both providers', () => {
    for (const { provider, model } of COST_MODELS) {
      const share = plan.filter((p) => p.request.provider === provider && p.request.body.model === model).length / plan.length;
      expect(share).toBeGreaterThan(0.15);
    }
  });

  it('draws deadlines over the whole range, not in classes', () => {
    const deadlines = plan.map((p) => p.deadlineMs);
    expect(Math.min(...deadlines)).toBeGreaterThanOrEqual(3_000);
    expect(Math.max(...deadlines)).toBeLessThanOrEqual(60_000);
    expect(new Set(deadlines).size).toBeGreaterThan(350);
    expect(deadlines.filter((ms) => ms < 13_416).length / plan.length).toBeGreaterThan(0.4);
  });

  it('keeps a row on the same model and deadline whatever part of the trace is replayed', () => {
    const later = planCostWorkload(rows.slice(100), options);
    expect(later[0]?.deadlineMs).toBe(plan[100]?.deadlineMs);
    expect(later[0]?.request.body.model).toBe(plan[100]?.request.body.model);
  });

  it('makes valid, auto-routed, non-streamed v1 requests at the trace pace', () => {
    expect(plan.map((p) => p.sendOffsetMs).slice(0, 3)).toEqual([0, 125, 250]);
    for (const planned of plan) {
      expect(planned.request).toMatchObject({ mode: 'auto', stream: false, operation: 'chat' });
      const outcome = validateMessage(InferenceRequestV1, requestSentAt(planned, T0));
      expect(outcome.ok ? [] : outcome.errors).toEqual([]);
    }
    const anthropic = plan.find((p) => p.request.provider === 'anthropic');
    expect(anthropic?.request.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: anthropic?.expectedUsage.outputTokens });
  });
});
