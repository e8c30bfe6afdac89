import type { InferenceRequestV1 } from '@sluice/contracts';
import type { BenchLane } from './list.prices';
import { COST_MODELS } from './cost.plan';

const PROBE_OUTPUT_TOKENS = 8;

/**
 * One small request per model on each of the slow lanes, asked for by mode, under a tenant of its own:
 * the run then shows every model's batch and async turnaround through the whole run, whatever the
 * router chose, so the oracle has a batch to look at for every model and time. Left out of all costs.
 */
export function probeRequests(tenant: string, round: number, nowMs: number, deadlineMs: number): Array<InferenceRequestV1 & { id: string; deadline: string }> {
  const lanes: BenchLane[] = ['async', 'batch'];
  return COST_MODELS.flatMap(({ provider, model }) =>
    lanes.map((lane) => {
      const id = `${tenant}-${model}-${lane}-${round}`;
      const body =
        provider === 'anthropic'
          ? { model, max_tokens: PROBE_OUTPUT_TOKENS, messages: [{ role: 'user', content: `probe ${id} [emulator:output_tokens=${PROBE_OUTPUT_TOKENS}]` }] }
          : {
              model,
              max_completion_tokens: PROBE_OUTPUT_TOKENS,
              messages: [{ role: 'user', content: `probe ${id}` }],
              metadata: { emulator_output_tokens: String(PROBE_OUTPUT_TOKENS) },
            };
      return {
        id,
        tenant,
        provider,
        operation: 'chat' as const,
        mode: lane,
        stream: false,
        cache: false,
        deadline: new Date(nowMs + deadlineMs).toISOString(),
        body,
      };
    }),
  );
}
