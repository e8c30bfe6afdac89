export interface HttpReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface SseEvent {
  event: string;
  id?: string;
  /** The data field parsed as JSON (Sluice sends one line of JSON per event), or the raw text. */
  data: unknown;
}

/**
 * An open `text/event-stream` response, read in the background. `events` grows as frames arrive;
 * `ended` resolves when the server closes the stream.
 */
export interface SseStream {
  status: number;
  events: SseEvent[];
  ended: Promise<void>;
  close(): void;
}

function parseFrame(frame: string): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') event = value;
    else if (name === 'id') id = value;
    else if (name === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Kept as text: the test shows what came.
  }
  return { event, id, data: parsed };
}

/** A client of Sluice's HTTP API (served by ingestion): POST /v1/requests, GET /v1/requests/:id and its events. */
export class SluiceHttp {
  constructor(readonly url: string) {}

  private headers(apiKey: string | undefined, json: boolean): Record<string, string> {
    return {
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
      ...(json ? { 'content-type': 'application/json' } : {}),
    };
  }

  private async reply<T>(response: Response): Promise<HttpReply<T>> {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the test shows the text.
    }
    return { status: response.status, body: body as T };
  }

  async submit<T = Record<string, unknown>>(apiKey: string | undefined, request: unknown): Promise<HttpReply<T>> {
    const response = await fetch(`${this.url}/v1/requests`, { method: 'POST', headers: this.headers(apiKey, true), body: JSON.stringify(request) });
    return this.reply<T>(response);
  }

  async request<T = Record<string, unknown>>(apiKey: string | undefined, id: string): Promise<HttpReply<T>> {
    const response = await fetch(`${this.url}/v1/requests/${encodeURIComponent(id)}`, { headers: this.headers(apiKey, false) });
    return this.reply<T>(response);
  }

  /** Opens GET /v1/requests/:id/events; a non-200 answer is returned with no events and `ended` resolved. */
  async events(apiKey: string | undefined, id: string): Promise<SseStream & { errorBody?: unknown }> {
    const abort = new AbortController();
    const response = await fetch(`${this.url}/v1/requests/${encodeURIComponent(id)}/events`, {
      headers: { ...this.headers(apiKey, false), accept: 'text/event-stream' },
      signal: abort.signal,
    });
    const events: SseEvent[] = [];
    if (response.status !== 200 || response.body === null) {
      const { body } = await this.reply(response);
      return { status: response.status, events, ended: Promise.resolve(), close: () => undefined, errorBody: body };
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const ended = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
          let boundary = buffer.indexOf('\n\n');
          while (boundary !== -1) {
            const event = parseFrame(buffer.slice(0, boundary));
            if (event !== undefined) events.push(event);
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf('\n\n');
          }
        }
      } catch (error) {
        if (!abort.signal.aborted) throw error;
      }
    })();
    return { status: response.status, events, ended, close: () => abort.abort() };
  }
}
