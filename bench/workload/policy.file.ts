import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RoutingPolicy, parsePolicy } from '@sluice/routing';

/** The policy file the router reads by default (its ROUTING_POLICY_FILE), relative to the repository. */
const DEFAULT_POLICY_FILE = 'deploy/policy/routing-policy.json';

/**
 * The routing policy the router runs with, for the bounds to use the same lane estimates and lanes:
 * ROUTING_POLICY_FILE when set, else the default file, resolved against the repository root: the
 * working directory `npm run up` and the e2e harness start the router in.
 */
export function readRoutingPolicy(repoRoot: string, env: NodeJS.ProcessEnv = process.env): { path: string; policy: RoutingPolicy } {
  const path = resolve(repoRoot, env.ROUTING_POLICY_FILE || DEFAULT_POLICY_FILE);
  const parsed = parsePolicy(JSON.parse(readFileSync(path, 'utf8')) as unknown);
  if (!parsed.ok) throw new Error(`routing policy ${path} is invalid: ${parsed.errors.map((e) => `${e.path || '(top level)'} ${e.message}`).join('; ')}`);
  return { path, policy: parsed.policy };
}
