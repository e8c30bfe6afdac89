/** The response headers of every Server-Sent Events stream ingestion serves. */
export const SSE_RESPONSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  // Reverse proxies (nginx) would otherwise buffer the stream.
  'X-Accel-Buffering': 'no',
} as const;

/** One Server-Sent Event. `data` is sent as one line of JSON. */
export interface SseMessage {
  event: string;
  id?: string;
  data: unknown;
}

// A field value ends at the first line break, so one inside an id or event name would forge a field.
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

export function sseFrame(message: SseMessage): string {
  const id = message.id === undefined ? '' : `id: ${oneLine(message.id)}\n`;
  // JSON.stringify escapes line breaks inside strings, so the data is one line too.
  return `${id}event: ${oneLine(message.event)}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** A comment line: clients ignore it; it keeps idle connections open through proxies. */
export function sseComment(text: string): string {
  return `: ${oneLine(text)}\n\n`;
}
