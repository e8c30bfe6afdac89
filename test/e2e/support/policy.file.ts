import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A routing policy file whose batch priors are the e2e emulator's (preset `test`: a batch ends in about
 * a second), for the batch-aggregator's ROUTING_POLICY_FILE: it plans windows and resubmissions with
 * the batch lane's turnaround, and the published priors (an hour and more) describe real providers.
 * `escalationLeadMs` is how long before a deadline the deadline guard takes a request over.
 */
export function writeEmulatorBatchPolicy(escalationLeadMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-policy-'));
  const path = join(dir, 'routing-policy.json');
  const batch = { quantilesMs: { '0.5': 2_000, '0.9': 5_000, '1': 30_000 } };
  writeFileSync(path, JSON.stringify({ turnaround: { escalationLeadMs, providers: { openai: { batch }, anthropic: { batch } } } }));
  return path;
}
