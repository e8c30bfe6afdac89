import { ErrorCode, validateMessage } from '@sluice/contracts';
import type { TopicContract, ValidationResult } from '@sluice/kafka';
import type { ClassConstructor } from 'class-transformer';

/**
 * How a consumed topic's messages are checked before they reach the handler: a contract class they are
 * validated against (failures are dead-lettered), or `'json-object'` for a handler that validates
 * messages itself, e.g. to answer a bad one with a `rejected` event naming its field rather than
 * dead-lettering it. A `'json-object'` handler gets the decoded JSON object as it was produced; what is
 * not JSON, or JSON that is not an object, is still dead-lettered, so the handler always has an object.
 */
export type ConsumedContract = ClassConstructor<object> | 'json-object';

/** Topic → how its messages are checked (see ConsumedContract). */
export type ConsumedTopics = Readonly<Record<string, ConsumedContract>>;

function jsonObject(plain: unknown): ValidationResult<Record<string, unknown>> {
  if (typeof plain === 'object' && plain !== null && !Array.isArray(plain)) return { ok: true, value: plain as Record<string, unknown> };
  return { ok: false, errors: [{ code: ErrorCode.VALIDATION_FAILED, message: 'the message must be a JSON object', field: '' }] };
}

/** The transport's contracts for what a service consumes: exported so test harnesses wire a transport the same way. */
export function topicContracts(consumes: ConsumedTopics): Record<string, TopicContract> {
  const contracts: Record<string, TopicContract> = {};
  for (const [topic, contract] of Object.entries(consumes)) {
    contracts[topic] = { validate: contract === 'json-object' ? jsonObject : (plain) => validateMessage(contract, plain) };
  }
  return contracts;
}
