import { parseSse } from './stream.fixtures';

export interface EventStreamClient {
  status: number;
  /** The events received so far. */
  events(): Array<{ event: string; id?: string; data: unknown }>;
  /** True once the server ended the stream. */
  ended(): boolean;
  /** The whole body as read so far (an error's JSON, when the stream was refused). */
  text(): string;
  close(): Promise<void>;
}

/** Opens an SSE stream with fetch and reads it in the background. */
export async function openEventStream(url: string, key: string): Promise<EventStreamClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal: abort.signal });
  let text = '';
  let ended = false;
  const reading = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) text += decoder.decode(chunk as Uint8Array, { stream: true });
    } catch {
      // Aborted by close(): what was read stays readable.
    }
    ended = true;
  })();
  return {
    status: response.status,
    events: () => parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)),
    ended: () => ended,
    text: () => text,
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}
