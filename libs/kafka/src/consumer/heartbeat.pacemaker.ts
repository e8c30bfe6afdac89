/**
 * Keeps a batch's heartbeat going while its handlers run, so a handler slower than the session
 * timeout does not get the member evicted. A beat still in flight is not doubled up; a failing
 * beat (typically "rebalance in progress") is reported so the batch can wind down.
 * Returns the function that stops it.
 */
export function startPacemaker(heartbeat: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): () => void {
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    heartbeat()
      .catch(onError)
      .finally(() => {
        beating = false;
      });
  }, intervalMs);
  return () => clearInterval(timer);
}
