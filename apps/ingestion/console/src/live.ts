import { useEffect, useState } from 'preact/hooks';
import { savedKey } from './api';

/** What the console's live feed (/console/api/live, Server-Sent Events) says each second. */
export interface LiveTick {
  at: string;
  /** Lifecycle events and results in the last second, by type. */
  counts: Record<string, number>;
}

export interface LiveState {
  connected: boolean;
  /** Events per second, over the last few seconds. */
  rate: number;
  /** Grows with every second in which anything happened, and every few seconds anyway: pages reload their data on it. */
  changes: number;
  /** The last requests seen, newest first: `tenant/id type`. */
  recent: Array<{ tenant: string; requestId: string; type: string }>;
}

const RATE_SECONDS = 5;
const RETRY_MS = 3000;
// Pages reload this often even when nothing was heard: what changes without an event (a batch's state) shows too.
const REFRESH_MS = 5000;

/**
 * Reads the live feed over fetch (EventSource cannot send the API key) and reconnects when it ends.
 * The frames are Server-Sent Events: blank-line separated, `event:` and one `data:` line of JSON.
 */
export function useLive(): LiveState {
  const [state, setState] = useState<LiveState>({ connected: false, rate: 0, changes: 0, recent: [] });
  useEffect(() => {
    const stop = new AbortController();
    const window: number[] = [];
    const handle = (event: string, data: string) => {
      if (event !== 'tick') return;
      const tick = JSON.parse(data) as LiveTick & { recent: LiveState['recent'] };
      const total = Object.values(tick.counts).reduce((sum, count) => sum + count, 0);
      window.push(total);
      if (window.length > RATE_SECONDS) window.shift();
      setState((previous) => ({
        connected: true,
        rate: window.reduce((sum, count) => sum + count, 0) / window.length,
        changes: previous.changes + (total > 0 ? 1 : 0),
        recent: [...tick.recent, ...previous.recent].slice(0, 20),
      }));
    };
    const connect = async (): Promise<void> => {
      while (!stop.signal.aborted) {
        try {
          const response = await fetch('/console/api/live', { headers: { authorization: `Bearer ${savedKey() ?? ''}` }, signal: stop.signal });
          if (!response.ok || response.body === null) throw new Error(`live feed: ${response.status}`);
          setState((previous) => ({ ...previous, connected: true }));
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const event = /^event: (.*)$/m.exec(frame)?.[1];
              const data = /^data: (.*)$/m.exec(frame)?.[1];
              if (event !== undefined && data !== undefined) handle(event, data);
            }
          }
        } catch {
          // Dropped, refused or aborted: shown as disconnected, and tried again below unless the page is going.
        }
        setState((previous) => ({ ...previous, connected: false }));
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    };
    void connect();
    const refresh = setInterval(() => setState((previous) => ({ ...previous, changes: previous.changes + 1 })), REFRESH_MS);
    return () => {
      stop.abort();
      clearInterval(refresh);
    };
  }, []);
  return state;
}
