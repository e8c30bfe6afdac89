import { InferenceResultV1, LifecycleEventV1, StreamChunkV1, Topics, validateMessage } from '@sluice/contracts';

/** A message about one request, as an events stream relays it: validated, but as published. */
export type StreamItem =
  | { kind: 'event'; tenant: string; requestId: string; event: LifecycleEventV1 }
  | { kind: 'chunk'; tenant: string; requestId: string; chunk: StreamChunkV1 }
  | { kind: 'result'; tenant: string; requestId: string; result: InferenceResultV1 };

/**
 * The item a decoded message from one of the relayed topics stands for, or undefined when it is not a
 * valid one: a malformed message is somebody else's bug and is never relayed to a client. The value
 * relayed is the one published (the validated copy only vouches for it).
 */
export function streamItemOf(topic: string, value: unknown): StreamItem | undefined {
  switch (topic) {
    case Topics.Events: {
      if (!validateMessage(LifecycleEventV1, value).ok) return undefined;
      const event = value as LifecycleEventV1;
      return { kind: 'event', tenant: event.tenant, requestId: event.requestId, event };
    }
    case Topics.Stream: {
      if (!validateMessage(StreamChunkV1, value).ok) return undefined;
      const chunk = value as StreamChunkV1;
      return { kind: 'chunk', tenant: chunk.tenant, requestId: chunk.requestId, chunk };
    }
    case Topics.Results: {
      if (!validateMessage(InferenceResultV1, value).ok) return undefined;
      const result = value as InferenceResultV1;
      return { kind: 'result', tenant: result.tenant, requestId: result.id, result };
    }
    default:
      return undefined;
  }
}

/** The topics an events stream relays from. */
export const RELAYED_TOPICS: readonly string[] = [Topics.Events, Topics.Stream, Topics.Results];
