import { sseComment, sseFrame } from './sse.frames';
import type { StreamSink } from './request.stream';

/** Where an SSE response writes its text; `end` is called once. */
export interface TextOut {
  write(text: string): void;
  end(): void;
}

/** A request's story as Server-Sent Events (GET /v1/requests/:id/events): one frame per step, named by it. */
export function sseSink(requestId: string, out: TextOut): StreamSink {
  return {
    status: (view) => out.write(sseFrame({ event: 'status', data: view })),
    event: (event) => out.write(sseFrame({ event: event.type, id: event.eventId, data: event })),
    chunk: (chunk) => out.write(sseFrame({ event: 'chunk', id: `${requestId}.chunk.${chunk.seq}`, data: chunk })),
    result: (result) => out.write(sseFrame({ event: 'result', id: result.resultId, data: result })),
    finished: () => out.write(sseFrame({ event: 'end', data: { requestId } })),
    keepAlive: () => out.write(sseComment('keep-alive')),
    end: () => out.end(),
  };
}
