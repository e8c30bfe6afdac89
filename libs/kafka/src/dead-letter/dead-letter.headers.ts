import type { ConsumedMessage, MessageHeaders } from '../port/message.types';

/** Wire names of the dead-letter reason headers (the same names @sluice/contracts publishes as DlqHeaders). */
export const DeadLetterHeader = {
  ErrorCode: 'x-sluice-error-code',
  ErrorMessage: 'x-sluice-error-message',
  ErrorStack: 'x-sluice-error-stack',
  OriginalTopic: 'x-sluice-original-topic',
  OriginalPartition: 'x-sluice-original-partition',
  OriginalOffset: 'x-sluice-original-offset',
  Attempts: 'x-sluice-attempts',
} as const;

/** Set on a message replayed from the dead-letter topic: `<dlq topic>/<partition>/<offset>` it came from. */
export const REPLAYED_FROM_HEADER = 'x-sluice-replayed-from';

export const DEFAULT_DEAD_LETTER_TOPIC = 'sluice.dlq.v1';

export interface DeadLetterFailure {
  code: string;
  message: string;
  /** How many times the message was tried (decoding counts as the first try). */
  attempts: number;
  /** Kept for unexpected errors only: the stack is what finds the bug. */
  stack?: string;
}

/** Headers are bounded by the broker's max message size; a runaway message or stack must not make the DLQ write fail. */
const MAX_MESSAGE_CHARS = 1_000;
const MAX_STACK_CHARS = 4_000;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The original headers, overlaid with where the message came from and why it could not be processed. */
export function buildDeadLetterHeaders(message: ConsumedMessage, failure: DeadLetterFailure): MessageHeaders {
  const headers: MessageHeaders = {
    ...message.headers,
    [DeadLetterHeader.ErrorCode]: failure.code,
    [DeadLetterHeader.ErrorMessage]: truncate(failure.message, MAX_MESSAGE_CHARS),
    [DeadLetterHeader.OriginalTopic]: message.topic,
    [DeadLetterHeader.OriginalPartition]: String(message.partition),
    [DeadLetterHeader.OriginalOffset]: message.offset,
    [DeadLetterHeader.Attempts]: String(failure.attempts),
  };
  if (failure.stack) {
    headers[DeadLetterHeader.ErrorStack] = truncate(failure.stack, MAX_STACK_CHARS);
  } else {
    delete headers[DeadLetterHeader.ErrorStack];
  }
  return headers;
}

/**
 * The headers a dead-lettered message goes back to its topic with: its own, without the reason and
 * origin (a consumer must not take them for its own failure), marked with the entry it came from.
 */
export function replayHeaders(headers: MessageHeaders, replayedFrom: string): MessageHeaders {
  const replayed: MessageHeaders = { ...headers };
  for (const name of Object.values(DeadLetterHeader)) delete replayed[name];
  replayed[REPLAYED_FROM_HEADER] = replayedFrom;
  return replayed;
}
