import { DEFAULT_POLICY, parsePolicy } from '@sluice/routing';

export interface ReservedShare {
  share: number;
  /** Where the value came from, for the boot log. */
  source: string;
}

/** Reads a file's text, or returns undefined when there is no such file. */
export type ReadOptionalFile = (path: string) => string | undefined;

/**
 * The share of each provider model's concurrency kept for realtime work: WORKER_REALTIME_RESERVED_SHARE
 * when set, else the routing policy's `reservedRealtimeShare` (the router and the worker then agree on
 * it), else the built-in policy's. A policy file that exists but does not parse fails the boot.
 */
export function resolveReservedShare(
  settings: { WORKER_REALTIME_RESERVED_SHARE?: string; ROUTING_POLICY_FILE: string },
  readFile: ReadOptionalFile,
): ReservedShare {
  if (settings.WORKER_REALTIME_RESERVED_SHARE !== undefined) {
    return { share: Number(settings.WORKER_REALTIME_RESERVED_SHARE), source: 'WORKER_REALTIME_RESERVED_SHARE' };
  }
  const path = settings.ROUTING_POLICY_FILE;
  const text = readFile(path);
  if (text === undefined) return { share: DEFAULT_POLICY.reservedRealtimeShare, source: 'built-in routing policy' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`ROUTING_POLICY_FILE ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = parsePolicy(json);
  if (!parsed.ok) {
    throw new Error(`ROUTING_POLICY_FILE ${path} is not a valid policy: ${parsed.errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`);
  }
  return { share: parsed.policy.reservedRealtimeShare, source: path };
}
