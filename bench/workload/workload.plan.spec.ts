import { InferenceRequestV1, validateMessage } from '@sluice/contracts';
import type { TraceRow } from './trace.rows';
import { DEFAULT_MIX, URGENCY, parseMix } from './urgency.rule';
import { WorkloadOptions, costedRequest, planWorkload, requestSentAt } from './workload.plan';

const T0 = Date.UTC(2023, 10, 16, 18, 20, 0);

function rows(count: number): TraceRow[] {
  return Array.from({ length: count }, (_, i) => ({
    source: i % 3 === 0 ? ('code' as const) : ('conv' as const),
    index: i,
    atMs: T0 + i * 250,
    contextTokens: 100 + i,
    generatedTokens: 10 + (i % 7),
  }));
}

const OPTIONS: WorkloadOptions = { tenant: 'demo-x', runId: 'demo-x', seed: 1, mix: DEFAULT_MIX, speed: 1, embeddingShare: 0.25 };

describe('planWorkload', () => {
  const plan = planWorkload(rows(400), OPTIONS);

  it('sends each row at its trace time after the first, compressed by the speed', () => {
    expect(plan.map((p) => p.sendOffsetMs).slice(0, 3)).toEqual([0, 250, 500]);
    expect(planWorkload(rows(3), { ...OPTIONS, speed: 4 }).map((p) => p.sendOffsetMs)).toEqual([0, 62.5, 125]);
    expect(() => planWorkload(rows(3), { ...OPTIONS, speed: 0 })).toThrow('speed must be positive');
  });

  it('takes the first rows when limited', () => {
    expect(planWorkload(rows(400), { ...OPTIONS, limit: 10 }).map((p) => p.row.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('gives every request a unique id of the run and a valid v1 request', () => {
    expect(new Set(plan.map((p) => p.request.id)).size).toBe(400);
    expect(plan[0]?.request.id).toBe('demo-x-code-0');
    for (const planned of plan) {
      const outcome = validateMessage(InferenceRequestV1, requestSentAt(planned, T0));
      expect(outcome.ok ? [] : outcome.errors).toEqual([]);
    }
  });

  it('gives each class its deadline, streams only interactive chat, embeds only hours work', () => {
    for (const planned of plan) {
      expect(planned.deadlineMs).toBe(URGENCY[planned.urgency].deadlineMs);
      expect(planned.request.metadata).toEqual({ urgency: planned.urgency, trace: `${planned.row.source}:${planned.row.index}` });
      expect(planned.request.stream).toBe(planned.urgency === 'interactive');
      if (planned.request.operation === 'embedding') expect(planned.urgency).toBe('hours');
    }
    const hours = plan.filter((p) => p.urgency === 'hours');
    const embeddings = hours.filter((p) => p.request.operation === 'embedding').length;
    expect(embeddings).toBeGreaterThan(0);
    expect(embeddings).toBeLessThan(hours.length);
    expect(new Set(plan.map((p) => p.urgency))).toEqual(new Set(['interactive', 'minutes', 'hours']));
  });

  it('expects the recorded sizes as usage', () => {
    const chat = plan.find((p) => p.request.operation === 'chat' && p.row.index === 5);
    expect(chat?.expectedUsage).toEqual({ inputTokens: 105, outputTokens: 15 });
    const embedding = plan.find((p) => p.request.operation === 'embedding');
    expect(embedding?.expectedUsage).toEqual({ inputTokens: embedding?.row.contextTokens, outputTokens: 0 });
  });

  it('is the same plan for the same seed and another for another seed', () => {
    const classes = (seed: number) => planWorkload(rows(400), { ...OPTIONS, seed }).map((p) => p.urgency);
    expect(classes(1)).toEqual(plan.map((p) => p.urgency));
    expect(classes(2)).not.toEqual(classes(1));
  });

  it('leaves out the classes a mix leaves out', () => {
    const noHours = planWorkload(rows(400), { ...OPTIONS, mix: parseMix('interactive,minutes') });
    expect(noHours.some((p) => p.urgency === 'hours' || p.request.operation === 'embedding')).toBe(false);
  });
});

describe('requestSentAt', () => {
  it('counts the deadline from the moment of sending', () => {
    const [planned] = planWorkload(rows(1), { ...OPTIONS, mix: parseMix('minutes') });
    expect(requestSentAt(planned as never, T0).deadline).toBe(new Date(T0 + 15 * 60_000).toISOString());
  });
});

describe('costedRequest', () => {
  it('prices the usage the request had, or the expected one', () => {
    const [planned] = planWorkload(rows(1), { ...OPTIONS, mix: parseMix('interactive') });
    if (planned === undefined) throw new Error('no plan');
    expect(costedRequest(planned)).toEqual({
      tenant: 'demo-x',
      provider: 'openai',
      model: 'o4-mini',
      operation: 'chat',
      stream: true,
      deadlineMs: 30_000,
      usage: { inputTokens: 100, outputTokens: 10 },
    });
    expect(costedRequest(planned, { inputTokens: 1, outputTokens: 2 }).usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });
});
