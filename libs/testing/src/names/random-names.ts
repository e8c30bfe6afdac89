import { randomBytes } from 'node:crypto';

function suffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A topic name no other test run uses, so tests on one broker never see each other's messages. */
export function randomTopicName(prefix = 'test'): string {
  return `sluice-test.${prefix}.${suffix()}`;
}

/** A consumer group id no other test run uses. */
export function randomGroupId(prefix = 'test'): string {
  return `sluice-test-${prefix}-${suffix()}`;
}

/** A tenant id matching the contract's pattern, unique per call. */
export function randomTenant(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
