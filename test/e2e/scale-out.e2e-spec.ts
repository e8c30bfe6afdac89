import { Topics } from '@sluice/contracts';
import { randomTenant } from '@sluice/testing';
import { CHAT_MODEL, SluiceHarness, chatRequest } from './support';

const COPIES = 3;
const REQUESTS = 450;
const RATE_PER_SECOND = 15;
/** Requests sent before one copy of the router and one of the worker are killed. */
const KILL_AFTER = 150;

/**
 * Three copies each of the router and the realtime-worker in their consumer groups, on the real
 * broker, database and emulator. A steady stream of realtime requests runs through them; a third of
 * the way in, one copy of each is killed with SIGKILL (no shutdown hook, nothing committed or
 * flushed) and stays down. The survivors take over its partitions after the group's session timeout.
 * What a user sees must not change: every request answered exactly once (one completion booked, one
 * `completed` event, one reply on its replyTo) and its cost booked once.
 */
describe('scale-out: several copies of a service, one of them killed mid-run', () => {
  let h: SluiceHarness;

  beforeAll(async () => {
    // Ten processes start at once: give them longer than the harness's default to become ready.
    h = await SluiceHarness.start({ name: 'scale-out', copies: { router: COPIES, 'realtime-worker': COPIES }, readyTimeoutMs: 300_000 });
    // Calls take a while, so the killed worker has calls in flight (answered by nobody, redelivered).
    await h.emulator.setProfile(CHAT_MODEL, { latency: { ttftMs: 150 } });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 120_000);

  it(
    'answers every request exactly once and books its cost once while a copy of the router and of the worker die',
    async () => {
      expect(h.copiesOf('router')).toHaveLength(COPIES);
      expect(h.copiesOf('realtime-worker')).toHaveLength(COPIES);
      const tenant = randomTenant('scale');
      const replyTo = await h.createTopic('scale-reply', 3);
      const replies = await h.collect(replyTo);
      // Deadlines far enough out that the killed copies' partitions waiting for their session to end (KAFKA_SESSION_TIMEOUT_MS) cannot fail a request.
      const requests = Array.from({ length: REQUESTS }, () => chatRequest(tenant, { outputTokens: 8, extra: { maxLatencyMs: 180_000, replyTo } }));

      const started = Date.now();
      for (const [index, request] of requests.entries()) {
        const due = started + (index * 1000) / RATE_PER_SECOND;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        if (index === KILL_AFTER) {
          await h.crash('router-2');
          await h.crash('realtime-worker-3');
        }
        await h.produce([request]);
      }

      const ids = new Set(requests.map((request) => request.id));
      const completedOf = (): string[] =>
        h.tap
          .forTenant(tenant, Topics.Events)
          .map((message) => message.value as { type: string; requestId: string })
          .filter((event) => event.type === 'completed' && ids.has(event.requestId))
          .map((event) => event.requestId);
      await h.waitFor(() => new Set(completedOf()).size === REQUESTS, {
        timeoutMs: 240_000,
        intervalMs: 500,
        description: () => `a completed event for each of the ${REQUESTS} requests (${new Set(completedOf()).size} so far)`,
      });
      await h.waitFor(() => replies.messages.length >= REQUESTS, { timeoutMs: 60_000, description: `${REQUESTS} replies on ${replyTo}` });
      await h.quiesce(120_000);
      expect(h.service('router-2').exited()).toBe(true);
      expect(h.service('realtime-worker-3').exited()).toBe(true);

      // Exactly once where users can see it: one completed event and one reply per request.
      const completed = completedOf();
      expect(completed).toHaveLength(REQUESTS);
      expect(new Set(completed).size).toBe(REQUESTS);
      const replied = replies.messages.map((message) => message.key);
      expect(replied).toHaveLength(REQUESTS);
      expect(new Set(replied)).toEqual(ids);

      // Booked once: one completion per request, succeeded on the realtime lane, its cost the one of the
      // result it delivered, and the tenant's booked total the sum of those.
      const { rows } = await h.ledger.pool.query<{ request_id: string; status: string; lane: string; cost_usd: string; result_cost_usd: string }>(
        `select c.request_id, c.status, c.lane, c.cost_usd, r.cost_usd as result_cost_usd
         from completions c join request_results r on r.result_id = c.result_id
        where c.tenant = $1`,
        [tenant],
      );
      expect(rows).toHaveLength(REQUESTS);
      expect(new Set(rows.map((row) => row.request_id))).toEqual(ids);
      for (const row of rows) {
        expect(row).toMatchObject({ status: 'succeeded', lane: 'realtime' });
        expect(Number(row.cost_usd)).toBeGreaterThan(0);
        expect(Number(row.cost_usd)).toBe(Number(row.result_cost_usd));
      }
      const { rows: statuses } = await h.ledger.pool.query<{ status: string; count: string }>(
        'select status, count(*) from requests where tenant = $1 group by status',
        [tenant],
      );
      expect(statuses).toEqual([{ status: 'succeeded', count: String(REQUESTS) }]);
      // Longer than its own waits (sending, 240 s for the answers, 60 s for the replies, 120 s to quiesce): one that runs out fails with what it waited for, not jest's bare timeout.
    },
    8 * 60_000,
  );
});
