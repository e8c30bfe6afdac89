import type { DeadLetterFailure } from '../dead-letter/dead-letter.headers';
import type { ConsumedMessage } from '../port/message.types';
import type { MessageSigner } from './message.signer';

/** Which consumed topics only Sluice's services may produce to, and the key their messages are checked with. */
export interface MessageAuthentication {
  signer: MessageSigner;
  /** Messages of these topics must carry a valid signature; other topics (the intake) are not checked. */
  topics: readonly string[];
  /** Told of every message refused, e.g. to count it. */
  onRefused?: (topic: string, code: string) => void;
}

/**
 * The pipeline's check: undefined for a message that may be read, else why it is dead-lettered. One
 * HMAC per message of a checked topic, in memory: no round trip, whatever the batch's size.
 */
export function authenticator(authentication: MessageAuthentication): (message: ConsumedMessage) => DeadLetterFailure | undefined {
  const checked = new Set(authentication.topics);
  return (message) => {
    if (!checked.has(message.topic)) return undefined;
    const check = authentication.signer.check(message);
    if (check.ok) return undefined;
    authentication.onRefused?.(message.topic, check.code);
    return { code: check.code, message: check.message, attempts: 1 };
  };
}
