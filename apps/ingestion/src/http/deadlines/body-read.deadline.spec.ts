import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyReadDeadline } from './body-read.deadline';

const DEADLINE_MS = 1_000;

/** A request still receiving its body, and a response that records what was answered. */
function exchange(headers: Record<string, string>) {
  const req = Object.assign(new EventEmitter(), { headers, complete: false, destroyed: false, destroy: () => (req.destroyed = true) });
  const answered: { status?: number; body?: string } = {};
  const res = Object.assign(new EventEmitter(), {
    headersSent: false,
    writeHead(status: number) {
      answered.status = status;
      res.headersSent = true;
      return res;
    },
    end(body: string, done: () => void) {
      answered.body = body;
      done();
    },
  });
  return { req, res, answered, run: () => bodyReadDeadline(DEADLINE_MS)(req as unknown as IncomingMessage, res as unknown as ServerResponse, () => undefined) };
}

describe('bodyReadDeadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers a JSON body still arriving at its deadline 408 TIMEOUT and closes the connection', () => {
    const { req, answered, run } = exchange({ 'content-type': 'application/json', 'content-length': '500' });
    run();
    jest.advanceTimersByTime(DEADLINE_MS - 1);
    expect(answered.status).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(answered.status).toBe(408);
    expect(JSON.parse(answered.body!)).toMatchObject({ error: { code: 'TIMEOUT' } });
    expect(req.destroyed).toBe(true);
  });

  it('leaves a body that arrived in time alone', () => {
    const { req, answered, run } = exchange({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    run();
    req.complete = true;
    req.emit('end');
    jest.advanceTimersByTime(DEADLINE_MS * 2);
    expect(answered.status).toBeUndefined();
  });

  it('does not bound a job upload (JSON Lines) or a request without a body', () => {
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-length': '500' },
      { 'content-type': 'application/json', 'content-length': '0' },
      {},
    ];
    for (const headers of cases) {
      const { answered, run } = exchange(headers);
      run();
      jest.advanceTimersByTime(DEADLINE_MS * 2);
      expect(answered.status).toBeUndefined();
    }
  });
});
