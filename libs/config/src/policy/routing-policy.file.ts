import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePolicy, type RoutingPolicy } from '@sluice/routing';

/** Why a service refused to start: the message names the policy file and every problem in it. */
export class RoutingPolicyError extends Error {
  override readonly name = 'RoutingPolicyError';
}

function reason(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Parses the text of a policy file; `path` is only what errors call the file. */
export function policyFromText(text: string, path: string): RoutingPolicy {
  let plain: unknown;
  try {
    plain = JSON.parse(text);
  } catch (error) {
    throw new RoutingPolicyError(`routing policy ${path} is not valid JSON: ${reason(error)}`);
  }
  const parsed = parsePolicy(plain);
  if (!parsed.ok) {
    const problems = parsed.errors.map((e) => `${e.path === '' ? '(top level)' : e.path} ${e.message}`);
    throw new RoutingPolicyError(`routing policy ${path} is invalid: ${problems.join('; ')}`);
  }
  return parsed.policy;
}

/**
 * Reads the policy once, at boot: a policy that cannot be read or parsed stops the service before it
 * consumes anything, instead of routing every request by a default nobody chose.
 */
export function loadRoutingPolicy(file: string, cwd: string = process.cwd()): RoutingPolicy {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RoutingPolicyError(`routing policy ${path} cannot be read: ${reason(error)}`);
  }
  return policyFromText(text, path);
}
