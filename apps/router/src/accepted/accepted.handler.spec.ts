import { AcceptedRequestV1, ErrorCode, InferenceResultV1, LaneRequestV1, LifecycleEventV1, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest } from '@sluice/contracts/testing/message.samples';
import { NonRetryableError } from '@sluice/kafka';
import {
  type CacheEntry,
  type ClaimOutcome,
  type CoalescingKey,
  type FlightClaim,
  type HeldLaneMessage,
  type RequestRecord,
  type RequestRef,
  type RequestStatus,
  type RoutingRecord,
  type RoutingUpdate,
  requestKey,
  requestRecordFromAccepted,
} from '@sluice/ledger';
import { costUsd, findModelPrice } from '@sluice/providers';
import { estimateUsage, type Lane, laneCosts, parsePolicy, type RoutingPolicy, type Turnaround } from '@sluice/routing';
import { AcceptedHandler, type BatchRoutingResult, type RoutingOutcome, readCachedAnswer } from './accepted.handler';
import type {
  CacheLedger,
  CorrelatedMessage,
  Correlation,
  Destination,
  FlightLedger,
  OutboundMessage,
  RequestLedger,
  RouterPublisher,
  TurnaroundSource,
  SpendSource,
} from './routing.ports';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const HOUR = 3_600_000;
const MODEL = 'gpt-4o-mini';
const BODY = { model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(400) }], max_tokens: 100 };

class FakeHolds {
  readonly rows = new Map<string, HeldLaneMessage>();
  readonly calls: HeldLaneMessage[] = [];
}

class FakeRequests implements RequestLedger {
  readonly rows = new Map<string, RequestRecord>();
  readonly recorded: Array<{ id: string; routing: RoutingRecord; status: RequestStatus | undefined }> = [];
  readonly reads: string[][] = [];
  writes = 0;
  failNextWrite = false;

  constructor(private readonly holds: FakeHolds) {}

  add(accepted: AcceptedRequestV1, overrides: Partial<RequestRecord> = {}): void {
    const created = requestRecordFromAccepted(accepted);
    this.rows.set(`${created.tenant}/${created.id}`, {
      ...created,
      status: 'accepted',
      lane: null,
      decisionReason: null,
      estimatedCostUsd: null,
      realtimeCostUsd: null,
      costUsd: null,
      savedUsd: null,
      deadline: created.deadline ? new Date(created.deadline) : null,
      notBefore: created.notBefore ? new Date(created.notBefore) : null,
      receivedAt: new Date(created.receivedAt),
      routedAt: null,
      completedAt: null,
      deadlineMet: null,
      resultId: null,
      errorCode: null,
      replyTo: created.replyTo ?? null,
      webhookUrl: created.webhookUrl ?? null,
      metadata: created.metadata ?? {},
      cacheKey: null,
      updatedAt: NOW,
      ...overrides,
    });
  }

  async getMany(refs: ReadonlyArray<{ tenant: string; id: string }>): Promise<Map<string, RequestRecord>> {
    const found = new Map<string, RequestRecord>();
    if (refs.length === 0) return found;
    this.reads.push(refs.map((ref) => ref.id));
    for (const ref of refs) {
      const row = this.rows.get(`${ref.tenant}/${ref.id}`);
      if (row !== undefined) found.set(requestKey(ref.tenant, ref.id), row);
    }
    return found;
  }

  /** As the ledger does it: all or nothing, holds only for routings that applied (or without one). */
  async routeMany(routings: readonly RoutingUpdate[], holds: readonly HeldLaneMessage[] = []): Promise<boolean[]> {
    this.writes++;
    if (this.failNextWrite) {
      this.failNextWrite = false;
      throw new Error('connection terminated');
    }
    const applied = routings.map(({ tenant, id, routing, status }) => {
      this.recorded.push({ id, routing, status });
      const row = this.rows.get(`${tenant}/${id}`);
      if (!row || row.status === 'succeeded' || row.status === 'failed') return false;
      this.rows.set(`${tenant}/${id}`, {
        ...row,
        status,
        lane: routing.lane,
        decisionReason: routing.reason,
        estimatedCostUsd: routing.estimatedCostUsd,
        realtimeCostUsd: routing.realtimeCostUsd,
        routedAt: new Date(routing.routedAt),
        deadline: routing.deadline ? new Date(routing.deadline) : row.deadline,
        cacheKey: routing.cacheKey ?? row.cacheKey,
        ...(routing.lanes && { routingLanes: routing.lanes }),
      });
      return true;
    });
    for (const held of holds) {
      const index = routings.findIndex((r) => r.tenant === held.tenant && r.id === held.requestId);
      if (index >= 0 && !applied[index]) continue;
      this.holds.calls.push(held);
      const key = `${held.tenant}/${held.requestId}`;
      if (!this.holds.rows.has(key)) this.holds.rows.set(key, held);
    }
    return applied;
  }
}

class FakeFlights implements FlightLedger {
  outcome: ClaimOutcome = { role: 'leader' };
  /** Outcomes by request id, for a batch whose claims end differently. */
  readonly outcomes = new Map<string, ClaimOutcome>();
  readonly claims: Array<{ key: CoalescingKey; request: RequestRef; staleAfterMs: number }> = [];
  calls = 0;

  async claimOrJoinMany(claims: readonly FlightClaim[], staleAfterMs: number): Promise<ClaimOutcome[]> {
    this.calls++;
    return claims.map(({ key, request }) => {
      this.claims.push({ key, request, staleAfterMs });
      return this.outcomes.get(request.requestId) ?? this.outcome;
    });
  }
}

class FakeCache implements CacheLedger {
  entry: CacheEntry | undefined;
  readonly lookups: string[] = [];

  async hitMany(keys: ReadonlyArray<{ tenant: string; contentHash: string }>): Promise<Array<CacheEntry | undefined>> {
    return keys.map(({ tenant, contentHash }) => {
      this.lookups.push(`${tenant}/${contentHash}`);
      return this.entry;
    });
  }
}

class FakeSpend implements SpendSource {
  usd = 0;
  read = false;
  readonly asked: string[] = [];
  refreshes = 0;

  spentTodayUsd(tenant: string): number | undefined {
    this.asked.push(tenant);
    return this.read ? this.usd : undefined;
  }

  async refresh(): Promise<void> {
    this.refreshes++;
    this.read = true;
  }
}

/** Answers spread evenly up to a fixed time per lane. */
class FixedTurnarounds implements TurnaroundSource {
  readonly ms: Record<Lane, number> = { realtime: 5_000, async: 5 * 60_000, batch: 6 * HOUR };

  turnaround(_provider: string, _model: string, lane: Lane): Turnaround {
    return { parts: [{ weight: 1, distribution: { points: [{ quantile: 1, ms: this.ms[lane] }], unfinishedShare: 0 } }], samples: 100 };
  }
}

class FakePublisher implements RouterPublisher {
  /** One entry per produce request: the messages of a whole batch. */
  readonly sends: CorrelatedMessage[][] = [];
  /** Request ids whose messages the broker refuses. */
  readonly refuse = new Set<string>();

  async publish(messages: readonly CorrelatedMessage[]): Promise<void> {
    if (messages.some((m) => this.refuse.has(m.correlation.requestId))) throw new Error('MESSAGE_TOO_LARGE');
    this.sends.push([...messages]);
  }

  /** Per produce request: its messages and the headers of the request its first message belongs to. */
  get published(): Array<{ messages: OutboundMessage[]; correlation: Correlation }> {
    return this.sends.map((send) => ({ messages: send.map((m) => m.message), correlation: send[0]!.correlation }));
  }

  get messages(): OutboundMessage[] {
    return this.sends.flat().map((m) => m.message);
  }

  on(to: Destination): Array<Record<string, unknown>> {
    return this.messages
      .filter((m) => m.to === to)
      .map((m) => (Buffer.isBuffer(m.value) ? (JSON.parse(m.value.toString('utf8')) as Record<string, unknown>) : (m.value as Record<string, unknown>)));
  }
}

function policy(plain: unknown = {}): RoutingPolicy {
  const parsed = parsePolicy(plain);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

function accepted(request: Record<string, unknown> = {}, outer: Record<string, unknown> = {}): AcceptedRequestV1 {
  const { deadline: _deadline, notBefore: _notBefore, replyTo: _replyTo, webhook: _webhook, ...base } = sampleRequest({ body: BODY });
  const outcome = validateMessage(
    AcceptedRequestV1,
    sampleAccepted({ request: { ...base, ...request }, receivedAt: NOW.toISOString(), deadline: undefined, ...outer }),
  );
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

function withDeadline(ms: number, request: Record<string, unknown> = {}): AcceptedRequestV1 {
  return accepted(request, { deadline: new Date(NOW.getTime() + ms).toISOString() });
}

function valid<T extends object>(cls: new () => T, plain: unknown): T {
  const outcome = validateMessage(cls, plain);
  if (!outcome.ok) throw new Error(`not a valid ${cls.name}: ${JSON.stringify(outcome.errors)}`);
  return outcome.value;
}

const PRICE = findModelPrice('openai', MODEL);
if (!PRICE) throw new Error(`${MODEL} left the pricing catalog`);
const COSTS = laneCosts(PRICE, estimateUsage('chat', BODY));

function harness(options: { policy?: RoutingPolicy; raw?: false } = {}) {
  const holds = new FakeHolds();
  const requests = new FakeRequests(holds);
  const flights = new FakeFlights();
  const cache = new FakeCache();
  const spend = new FakeSpend();
  const publisher = new FakePublisher();
  const handler = new AcceptedHandler(
    { requests, flights, cache, spend, turnarounds: new FixedTurnarounds(), publisher, clock: () => NOW },
    { policy: options.policy ?? policy(), coalesceStaleMs: 600_000 },
  );
  const batch = (messages: readonly AcceptedRequestV1[]): Promise<BatchRoutingResult[]> =>
    handler.handleBatch(
      messages.map((accepted) => ({
        accepted,
        correlation: { requestId: accepted.request.id, correlationId: `corr-${accepted.request.id}` },
        // As the transport hands them over: with the bytes they were read from.
        ...(options.raw !== false && { raw: Buffer.from(JSON.stringify(accepted)) }),
      })),
    );
  /** One message on its own, as a batch of one; its failure is thrown. */
  const route = async (message: AcceptedRequestV1): Promise<RoutingOutcome> => {
    const [result] = await batch([message]);
    if (!result!.ok) throw result!.error;
    return result!.outcome;
  };
  return { requests, flights, cache, holds, spend, publisher, route, batch };
}

describe('AcceptedHandler', () => {
  describe('lane decisions', () => {
    it('passes the accepted bytes on with the decision appended, and builds the same message without them', async () => {
      const message = withDeadline(24 * HOUR);
      const spliced = harness();
      spliced.requests.add(message);
      await spliced.route(message);
      const built = harness({ raw: false });
      built.requests.add(message);
      await built.route(message);

      const [bytes] = spliced.publisher.messages.filter((m) => m.to === 'batch');
      expect(Buffer.isBuffer(bytes!.value)).toBe(true);
      expect(Buffer.isBuffer(built.publisher.messages.find((m) => m.to === 'batch')!.value)).toBe(false);
      expect(valid(LaneRequestV1, spliced.publisher.on('batch')[0])).toEqual(valid(LaneRequestV1, built.publisher.on('batch')[0]));
    });

    it('sends a request with a day of slack to the batch lane with its decision, and says so in a routed event', async () => {
      const h = harness();
      const message = withDeadline(24 * HOUR);
      h.requests.add(message);

      const outcome = await h.route(message);

      expect(outcome).toEqual({ kind: 'routed', lane: 'batch', reason: 'slack-allows-batch', estimatedCostUsd: COSTS.batch, realtimeCostUsd: COSTS.realtime });
      expect(h.publisher.published).toHaveLength(1);
      expect(h.publisher.published[0].correlation).toEqual({ requestId: 'req-1', correlationId: 'corr-req-1' });
      expect(h.publisher.messages.map((m) => [m.to, m.key])).toEqual([
        ['batch', 'req-1'],
        ['events', 'req-1'],
      ]);
      const lane = valid(LaneRequestV1, h.publisher.on('batch')[0]);
      expect(lane.request).toEqual(message.request);
      expect(lane.receivedAt).toBe(message.receivedAt);
      expect(lane.routing).toEqual({
        lane: 'batch',
        reason: 'slack-allows-batch',
        estimatedCostUsd: COSTS.batch,
        realtimeCostUsd: COSTS.realtime,
        routedAt: NOW.toISOString(),
        deadline: '2030-01-02T12:00:00.000Z',
        attempt: 1,
      });
      const event = valid(LifecycleEventV1, h.publisher.on('events')[0]);
      expect(event).toMatchObject({
        eventId: 'acme.req-1.routed',
        type: 'routed',
        requestId: 'req-1',
        tenant: 'acme',
        at: NOW.toISOString(),
        lane: 'batch',
        reason: 'slack-allows-batch',
        provider: 'openai',
        model: MODEL,
        operation: 'chat',
        estimatedCostUsd: COSTS.batch,
        realtimeCostUsd: COSTS.realtime,
        deadline: '2030-01-02T12:00:00.000Z',
        metadata: message.request.metadata,
      });
      // gpt-4o-mini has no flex tier: async at list price. A day of slack: every lane answers in time.
      const lanes = {
        realtime: { priceUsd: COSTS.realtime, missProbability: 0, meetProbability: 1, expectedCostUsd: COSTS.realtime },
        async: { priceUsd: COSTS.realtime, missProbability: 0, meetProbability: 1, expectedCostUsd: COSTS.realtime },
        batch: { priceUsd: COSTS.batch, missProbability: 0, meetProbability: 1, expectedCostUsd: COSTS.batch },
      };
      expect(event.lanes).toEqual(lanes);
      expect(h.requests.recorded).toEqual([
        {
          id: 'req-1',
          status: 'routed',
          routing: expect.objectContaining({
            lane: 'batch',
            reason: 'slack-allows-batch',
            estimatedCostUsd: COSTS.batch,
            realtimeCostUsd: COSTS.realtime,
            routedAt: NOW,
            deadline: new Date('2030-01-02T12:00:00.000Z'),
            lanes,
          }),
        },
      ]);
    });

    it('records in the routed event why a lane lost: batch, likely to miss its escalation point, costs more in expectation', async () => {
      const h = harness();
      // Two hours: batches answering evenly within 6 h miss 1 h 59 min in 241 of 360 cases.
      const message = withDeadline(2 * HOUR);
      h.requests.add(message);
      expect(await h.route(message)).toMatchObject({ kind: 'routed', lane: 'realtime', reason: 'slack-needs-realtime' });
      const { lanes } = valid(LifecycleEventV1, h.publisher.on('events')[0]);
      const miss = 241 / 360;
      expect(lanes?.batch?.missProbability).toBeCloseTo(miss, 12);
      expect(lanes?.batch?.expectedCostUsd).toBeCloseTo(COSTS.batch! + miss * COSTS.realtime, 15);
      expect(lanes?.realtime).toEqual({ priceUsd: COSTS.realtime, missProbability: 0, meetProbability: 1, expectedCostUsd: COSTS.realtime });
    });

    it('sends a request with seconds of slack to the realtime lane', async () => {
      const h = harness();
      const message = withDeadline(20_000);
      h.requests.add(message);
      expect(await h.route(message)).toMatchObject({ kind: 'routed', lane: 'realtime', reason: 'slack-needs-realtime' });
      expect(h.publisher.on('realtime')).toHaveLength(1);
    });

    it('gives a request without a deadline the policy default, counted from receipt', async () => {
      const h = harness({ policy: policy({ operations: { chat: { defaultDeadlineMs: 12 * HOUR } } }) });
      const message = accepted();
      h.requests.add(message);
      expect(await h.route(message)).toMatchObject({ kind: 'routed', lane: 'batch' });
      expect(valid(LaneRequestV1, h.publisher.on('batch')[0]).routing.deadline).toBe('2030-01-02T00:00:00.000Z');
    });

    it('asks for the spend of tenants with a budget only', async () => {
      const h = harness({ policy: policy({ tenants: { capped: { dailyBudgetUsd: 100 } } }) });
      const free = withDeadline(20_000);
      const capped = withDeadline(20_000, { tenant: 'capped' });
      h.requests.add(free);
      h.requests.add(capped);
      await h.route(free);
      await h.route(capped);
      expect(new Set(h.spend.asked)).toEqual(new Set(['capped']));
    });

    it('reads the spend once when a batch needs it before the background refresh has, and from memory after', async () => {
      const h = harness({ policy: policy({ tenants: { capped: { dailyBudgetUsd: 100 } } }) });
      const first = withDeadline(20_000, { tenant: 'capped', id: 'a' });
      const second = withDeadline(20_000, { tenant: 'capped', id: 'b' });
      const third = withDeadline(20_000, { tenant: 'capped', id: 'c' });
      for (const message of [first, second, third]) h.requests.add(message);
      await h.batch([first, second]);
      await h.batch([third]);
      expect(h.spend.refreshes).toBe(1);
    });
  });

  describe('refusals end in a failed result', () => {
    it('refuses a model the pricing catalog does not know, without claiming a flight', async () => {
      const h = harness();
      const message = withDeadline(20_000, { body: { ...BODY, model: 'gpt-nonexistent' } });
      h.requests.add(message);

      expect(await h.route(message)).toMatchObject({ kind: 'refused', code: ErrorCode.MODEL_UNKNOWN });
      const result = valid(InferenceResultV1, h.publisher.on('results')[0]);
      expect(result).toMatchObject({
        id: 'req-1',
        tenant: 'acme',
        resultId: 'acme.req-1.cache.1',
        status: 'failed',
        lane: 'cache',
        model: 'gpt-nonexistent',
        error: { code: ErrorCode.MODEL_UNKNOWN, retryable: false },
        usage: { inputTokens: 0, outputTokens: 0 },
        cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
        timings: { receivedAt: NOW.toISOString(), completedAt: NOW.toISOString() },
        deadline: new Date(NOW.getTime() + 20_000).toISOString(),
      });
      expect(result.error?.message).toMatch(/gpt-nonexistent is not in the pricing catalog/);
      expect(h.publisher.messages).toHaveLength(1);
      expect(h.flights.claims).toEqual([]);
      expect(h.requests.recorded).toEqual([]);
    });

    it('refuses realtime work over the daily budget as retryable, and leads no flight', async () => {
      const h = harness({ policy: policy({ tenants: { acme: { dailyBudgetUsd: 1 } } }) });
      h.spend.usd = 1;
      const message = withDeadline(20_000);
      h.requests.add(message);

      expect(await h.route(message)).toMatchObject({ kind: 'refused', code: ErrorCode.BUDGET_EXCEEDED });
      const result = valid(InferenceResultV1, h.publisher.on('results')[0]);
      expect(result).toMatchObject({ status: 'failed', lane: 'cache', error: { code: ErrorCode.BUDGET_EXCEEDED, retryable: true } });
      expect(h.flights.claims).toEqual([]);
      expect(h.cache.lookups).toHaveLength(1);
    });

    it('still answers a refused request from the cache, which costs nothing', async () => {
      const h = harness({ policy: policy({ tenants: { acme: { dailyBudgetUsd: 1 } } }) });
      h.spend.usd = 1;
      h.cache.entry = {
        tenant: 'acme',
        contentHash: 'h',
        provider: 'openai',
        model: MODEL,
        result: { response: { id: 'chatcmpl-9' }, usage: { inputTokens: 10, outputTokens: 2 } },
        sourceRequestId: 'earlier',
        expiresAt: new Date('2030-01-02T00:00:00Z'),
        hits: 1,
        createdAt: NOW,
      };
      const message = withDeadline(20_000);
      h.requests.add(message);
      expect(await h.route(message)).toMatchObject({ kind: 'cache-hit', sourceRequestId: 'earlier' });
      expect(valid(InferenceResultV1, h.publisher.on('results')[0]).status).toBe('succeeded');
    });

    it('refuses a stream when policy forbids the realtime lane', async () => {
      const h = harness({ policy: policy({ tenants: { acme: { operations: { chat: { allowedLanes: ['batch'] } } } } }) });
      const message = withDeadline(20_000, { stream: true });
      h.requests.add(message);
      expect(await h.route(message)).toMatchObject({ kind: 'refused', code: ErrorCode.LANE_NOT_ALLOWED });
      expect(valid(InferenceResultV1, h.publisher.on('results')[0]).error).toMatchObject({ code: ErrorCode.LANE_NOT_ALLOWED, retryable: false });
    });
  });

  describe('cache and coalescing', () => {
    it('claims the flight under the tenant scope and content hash, and routes the leader', async () => {
      const h = harness();
      const message = withDeadline(20_000);
      h.requests.add(message);
      await h.route(message);
      expect(h.flights.claims).toEqual([
        {
          key: { scope: 'acme', contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
          request: { tenant: 'acme', requestId: 'req-1' },
          staleAfterMs: 600_000,
        },
      ]);
      // The notifier caches the answer and releases the followers under the key the flight was claimed with.
      expect(h.requests.recorded[0].routing.cacheKey).toEqual(h.flights.claims[0].key);
      expect(h.publisher.on('realtime')).toHaveLength(1);
    });

    it('takes the content hash ingestion worked out, when the accepted message carries one', async () => {
      const h = harness();
      const message = { ...withDeadline(20_000), contentHash: 'c'.repeat(64) };
      h.requests.add(message);
      await h.route(message);
      expect(h.flights.claims.map((claim) => claim.key)).toEqual([{ scope: 'acme', contentHash: 'c'.repeat(64) }]);
    });

    it('uses the shared scope for tenants that share the cache', async () => {
      const h = harness({ policy: policy({ tenants: { acme: { shareCache: true } } }) });
      const message = withDeadline(20_000);
      h.requests.add(message);
      await h.route(message);
      expect(h.flights.claims[0].key.scope).toBe('*');
    });

    it('answers a cache hit itself: a free result on the results topic, priced at what realtime would have cost', async () => {
      const h = harness();
      const usage = { inputTokens: 1_000, outputTokens: 200, cachedInputTokens: 0 };
      h.flights.outcome = {
        role: 'cached',
        result: { response: { id: 'chatcmpl-7', choices: [] }, usage, model: 'gpt-4o-mini-2024-07-18' },
        sourceRequestId: 'first',
      };
      const message = withDeadline(20_000);
      h.requests.add(message);

      const realtimeUsd = costUsd(PRICE, usage, 'standard');
      expect(await h.route(message)).toEqual({ kind: 'cache-hit', realtimeCostUsd: realtimeUsd, sourceRequestId: 'first' });
      expect(h.publisher.published).toHaveLength(1);
      expect(h.publisher.messages.map((m) => m.to)).toEqual(['results', 'events']);
      const result = valid(InferenceResultV1, h.publisher.on('results')[0]);
      expect(result).toMatchObject({
        id: 'req-1',
        tenant: 'acme',
        resultId: 'acme.req-1.cache.1',
        status: 'succeeded',
        lane: 'cache',
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        response: { id: 'chatcmpl-7', choices: [] },
        usage,
        cost: { usd: 0, realtimeUsd, savedUsd: realtimeUsd },
        timings: { receivedAt: NOW.toISOString(), routedAt: NOW.toISOString(), completedAt: NOW.toISOString() },
        deadlineMet: true,
        metadata: message.request.metadata,
      });
      expect(valid(LifecycleEventV1, h.publisher.on('events')[0])).toMatchObject({
        type: 'routed',
        lane: 'cache',
        reason: 'cache-hit',
        estimatedCostUsd: 0,
        savedUsd: realtimeUsd,
      });
      expect(h.requests.recorded[0]).toMatchObject({ routing: { lane: 'cache', reason: 'cache-hit', estimatedCostUsd: 0, realtimeCostUsd: realtimeUsd } });
    });

    it('routes as usual when the cache entry is not a replayable answer', async () => {
      const h = harness();
      h.flights.outcome = { role: 'cached', result: { answer: 42 }, sourceRequestId: 'odd' };
      const message = withDeadline(20_000);
      h.requests.add(message);
      const outcome = await h.route(message);
      expect(outcome).toMatchObject({ kind: 'routed', lane: 'realtime' });
      expect(outcome.kind === 'routed' && outcome.note).toMatch(/cache entry of odd is not a replayable answer/);
    });

    it('queues a follower behind a leader due no later, without a lane message', async () => {
      const h = harness();
      const leader = withDeadline(20_000, { id: 'leader' });
      const follower = withDeadline(20_000, { id: 'follower' });
      h.requests.add(leader);
      h.requests.add(follower);
      h.flights.outcome = { role: 'follower', leader: { tenant: 'acme', requestId: 'leader' } };

      expect(await h.route(follower)).toEqual({ kind: 'coalesced', leader: { tenant: 'acme', requestId: 'leader' }, realtimeCostUsd: COSTS.realtime });
      expect(h.publisher.messages.map((m) => m.to)).toEqual(['events']);
      expect(valid(LifecycleEventV1, h.publisher.on('events')[0])).toMatchObject({
        eventId: 'acme.follower.queued.coalesced',
        type: 'queued',
        requestId: 'follower',
        lane: 'cache',
        reason: 'coalesced:leader',
      });
      expect(h.requests.recorded).toEqual([
        {
          id: 'follower',
          status: 'queued',
          routing: expect.objectContaining({ lane: 'cache', reason: 'coalesced:leader', estimatedCostUsd: 0, cacheKey: h.flights.claims[0].key }),
        },
      ]);
    });

    it("does not name another tenant's leader", async () => {
      const h = harness({ policy: policy({ tenants: { acme: { shareCache: true }, other: { shareCache: true } } }) });
      const leader = withDeadline(20_000, { id: 'secret-id', tenant: 'other' });
      const follower = withDeadline(20_000, { id: 'follower' });
      h.requests.add(leader);
      h.requests.add(follower);
      h.flights.outcome = { role: 'follower', leader: { tenant: 'other', requestId: 'secret-id' } };
      await h.route(follower);
      expect(h.publisher.on('events')[0].reason).toBe('coalesced:shared');
    });

    it('routes a follower on its own too when the leader is due later than it', async () => {
      const h = harness();
      const leader = withDeadline(24 * HOUR, { id: 'leader' });
      const follower = withDeadline(20_000, { id: 'follower' });
      h.requests.add(leader);
      h.requests.add(follower);
      h.flights.outcome = { role: 'follower', leader: { tenant: 'acme', requestId: 'leader' } };

      const outcome = await h.route(follower);
      expect(outcome).toMatchObject({ kind: 'routed', lane: 'realtime' });
      expect(outcome.kind === 'routed' && outcome.note).toMatch(/also waiting on identical request leader/);
      expect(h.publisher.on('realtime')).toHaveLength(1);
    });

    it('skips the cache and coalescing for streams and for requests that opt out', async () => {
      const h = harness();
      const stream = withDeadline(24 * HOUR, { id: 'stream', stream: true });
      const uncached = withDeadline(20_000, { id: 'uncached', cache: false });
      h.requests.add(stream);
      h.requests.add(uncached);
      expect(await h.route(stream)).toMatchObject({ kind: 'routed', lane: 'realtime', reason: 'stream-needs-realtime' });
      expect(await h.route(uncached)).toMatchObject({ kind: 'routed', lane: 'realtime' });
      expect(h.flights.claims).toEqual([]);
      expect(h.requests.recorded.map((r) => r.routing.cacheKey)).toEqual([undefined, undefined]);
    });
  });

  describe('off-peak: a request whose notBefore is ahead', () => {
    const inTwoHours = new Date(NOW.getTime() + 2 * HOUR).toISOString();

    it('is routed and recorded as queued on its lane, its lane message held until notBefore, and says so: routed, then queued', async () => {
      const h = harness();
      const message = withDeadline(24 * HOUR, { notBefore: inTwoHours });
      h.requests.add(message);

      const outcome = await h.route(message);

      expect(outcome).toEqual({
        kind: 'held',
        lane: 'batch',
        reason: 'slack-allows-batch',
        estimatedCostUsd: COSTS.batch,
        realtimeCostUsd: COSTS.realtime,
        releaseAt: inTwoHours,
      });
      expect(h.requests.recorded).toEqual([
        { id: 'req-1', status: 'queued', routing: expect.objectContaining({ lane: 'batch', reason: 'slack-allows-batch' }) },
      ]);
      expect(h.holds.calls).toHaveLength(1);
      const held = h.holds.calls[0];
      expect(held).toMatchObject({ tenant: 'acme', requestId: 'req-1', lane: 'batch', releaseAt: new Date(inTwoHours), correlationId: 'corr-req-1' });
      const lane = valid(LaneRequestV1, held.message);
      expect(lane.request).toEqual(message.request);
      expect(lane.routing).toMatchObject({ lane: 'batch', reason: 'slack-allows-batch', routedAt: NOW.toISOString(), attempt: 1 });

      expect(h.publisher.messages.map((m) => m.to)).toEqual(['events', 'events']);
      const [routed, queued] = h.publisher.on('events').map((event) => valid(LifecycleEventV1, event));
      expect(routed).toMatchObject({ eventId: 'acme.req-1.routed', type: 'routed', lane: 'batch', reason: 'slack-allows-batch' });
      expect(queued).toEqual({
        eventId: 'acme.req-1.queued.not-before',
        type: 'queued',
        at: NOW.toISOString(),
        requestId: 'req-1',
        tenant: 'acme',
        provider: 'openai',
        model: MODEL,
        operation: 'chat',
        metadata: message.request.metadata,
        lane: 'batch',
        reason: `not-before:${inTwoHours}`,
        estimatedCostUsd: COSTS.batch,
        realtimeCostUsd: COSTS.realtime,
        deadline: '2030-01-02T12:00:00.000Z',
      });
    });

    it('counts its slack from notBefore, and holds it on whichever lane that leaves', async () => {
      const h = harness();
      // One hour of slack from notBefore, where batches (answering evenly within 6 h) miss 5 times in 6:
      // realtime. Six hours from now would have been batch.
      const message = withDeadline(6 * HOUR, { notBefore: new Date(NOW.getTime() + 5 * HOUR).toISOString() });
      h.requests.add(message);
      expect(await h.route(message)).toMatchObject({ kind: 'held', lane: 'realtime', reason: 'slack-needs-realtime' });
      expect(h.holds.calls[0].lane).toBe('realtime');
      expect(h.publisher.on('realtime')).toEqual([]);
    });

    it('is sent at once when its notBefore has already passed', async () => {
      const h = harness();
      const message = withDeadline(24 * HOUR, { notBefore: new Date(NOW.getTime() - 60_000).toISOString() });
      h.requests.add(message);
      expect(await h.route(message)).toMatchObject({ kind: 'routed', lane: 'batch' });
      expect(h.holds.calls).toEqual([]);
      expect(h.publisher.on('batch')).toHaveLength(1);
      expect(h.requests.recorded[0].status).toBe('routed');
    });

    it('is still answered from the cache at once: no provider work waits for a window', async () => {
      const h = harness();
      h.flights.outcome = {
        role: 'cached',
        result: { response: { id: 'chatcmpl-cached' }, usage: { inputTokens: 100, outputTokens: 20 }, model: MODEL },
        sourceRequestId: 'earlier',
      };
      const message = withDeadline(24 * HOUR, { notBefore: inTwoHours });
      h.requests.add(message);
      expect(await h.route(message)).toMatchObject({ kind: 'cache-hit' });
      expect(h.holds.calls).toEqual([]);
    });

    it('on redelivery is held again, unchanged (the first hold stays), with the same two events', async () => {
      const h = harness();
      const message = withDeadline(24 * HOUR, { notBefore: inTwoHours });
      h.requests.add(message);
      await h.route(message);

      expect(await h.route(message)).toEqual({ kind: 'republished', lane: 'batch', reason: 'slack-allows-batch' });
      expect(h.holds.calls).toHaveLength(2);
      expect(JSON.parse(JSON.stringify(h.holds.calls[1]))).toEqual(JSON.parse(JSON.stringify(h.holds.calls[0])));
      expect(h.holds.rows.size).toBe(1);
      expect(h.publisher.published[1].messages).toEqual(h.publisher.published[0].messages);
      expect(h.publisher.on('batch')).toEqual([]);
      expect(h.requests.recorded).toHaveLength(1);
      expect(h.flights.claims).toHaveLength(1);
    });

    it('records nothing and sends nothing when the ledger write fails, so the redelivery routes and holds it as the first time', async () => {
      const h = harness();
      const message = withDeadline(24 * HOUR, { notBefore: inTwoHours });
      h.requests.add(message);
      h.requests.failNextWrite = true;
      // The batch fails, so its offsets are not committed and the message comes again.
      await expect(h.route(message)).rejects.toThrow('connection terminated');
      expect(h.publisher.sends).toEqual([]);
      expect(h.holds.rows.size).toBe(0);
      expect(h.requests.rows.get('acme/req-1')?.status).toBe('accepted');

      expect(await h.route(message)).toMatchObject({ kind: 'held', lane: 'batch' });
      expect(h.holds.rows.get('acme/req-1')).toMatchObject({ lane: 'batch', releaseAt: new Date(inTwoHours) });
      expect(h.publisher.on('events').map((e) => e.eventId)).toEqual(['acme.req-1.routed', 'acme.req-1.queued.not-before']);
    });

    it('is held again on redelivery when its decision was recorded queued but its hold is missing', async () => {
      const h = harness();
      const message = withDeadline(24 * HOUR, { notBefore: inTwoHours });
      h.requests.add(message, { status: 'queued', lane: 'batch', decisionReason: 'slack-allows-batch', routedAt: NOW });
      expect(await h.route(message)).toMatchObject({ kind: 'republished', lane: 'batch' });
      expect(h.holds.rows.get('acme/req-1')).toMatchObject({ lane: 'batch', releaseAt: new Date(inTwoHours) });
      expect(h.requests.recorded).toEqual([]);
    });
  });

  describe('redelivery', () => {
    it('sends a recorded lane decision again unchanged instead of deciding anew', async () => {
      const h = harness();
      const message = withDeadline(24 * HOUR);
      h.requests.add(message);
      await h.route(message);
      const first = h.publisher.published[0].messages;

      expect(await h.route(message)).toEqual({ kind: 'republished', lane: 'batch', reason: 'slack-allows-batch' });
      expect(h.publisher.published[1].messages).toEqual(first);
      expect(h.flights.claims).toHaveLength(1);
      expect(h.requests.recorded).toHaveLength(1);
    });

    it('emits the queued event again, unchanged, for a recorded follower', async () => {
      const h = harness();
      const leader = withDeadline(20_000, { id: 'leader' });
      const follower = withDeadline(20_000, { id: 'follower' });
      h.requests.add(leader);
      h.requests.add(follower);
      h.flights.outcome = { role: 'follower', leader: { tenant: 'acme', requestId: 'leader' } };
      await h.route(follower);
      expect(await h.route(follower)).toEqual({ kind: 'republished', lane: 'cache', reason: 'coalesced:leader' });
      expect(h.publisher.published[1].messages).toEqual(h.publisher.published[0].messages);
      expect(h.holds.calls).toEqual([]);
    });

    it('does nothing for a request that has already been answered or moved on', async () => {
      const h = harness();
      const done = withDeadline(20_000, { id: 'done' });
      const batched = withDeadline(20_000, { id: 'batched' });
      h.requests.add(done, { status: 'succeeded', lane: 'realtime' });
      h.requests.add(batched, { status: 'batched', lane: 'batch' });
      expect(await h.route(done)).toEqual({ kind: 'skipped', status: 'succeeded' });
      expect(await h.route(batched)).toEqual({ kind: 'skipped', status: 'batched' });
      expect(h.publisher.published).toEqual([]);
    });

    it('publishes nothing when the request was answered between the look and the record', async () => {
      const h = harness();
      const message = withDeadline(20_000);
      h.requests.add(message);
      h.requests.routeMany = async (routings) => routings.map(() => false);
      expect(await h.route(message)).toEqual({ kind: 'skipped', status: 'completed' });
      expect(h.publisher.published).toEqual([]);
    });

    it('refuses to route a request missing from the ledger, as a message it can never handle', async () => {
      const h = harness();
      const outcome = h.route(withDeadline(20_000));
      await expect(outcome).rejects.toBeInstanceOf(NonRetryableError);
      await expect(outcome).rejects.toMatchObject({ code: 'REQUEST_NOT_IN_LEDGER' });
    });
  });
});

describe('AcceptedHandler, a batch at a time', () => {
  it('routes a mixed batch with one ledger read, one claim call, one ledger write and one produce request', async () => {
    const h = harness();
    const bulk = withDeadline(24 * HOUR, { id: 'bulk' });
    const urgent = withDeadline(20_000, { id: 'urgent' });
    const hit = withDeadline(20_000, { id: 'hit' });
    const unknown = withDeadline(20_000, { id: 'unknown', body: { ...BODY, model: 'gpt-nonexistent' } });
    const held = withDeadline(24 * HOUR, { id: 'held', notBefore: new Date(NOW.getTime() + HOUR).toISOString() });
    for (const message of [bulk, urgent, hit, unknown, held]) h.requests.add(message);
    h.flights.outcomes.set('hit', {
      role: 'cached',
      result: { response: { id: 'chatcmpl-1' }, usage: { inputTokens: 5, outputTokens: 1 } },
      sourceRequestId: 'earlier',
    });

    const results = await h.batch([bulk, urgent, hit, unknown, held]);

    expect(results.map((r) => r.ok && r.outcome.kind)).toEqual(['routed', 'routed', 'cache-hit', 'refused', 'held']);
    expect(h.requests.reads).toEqual([['bulk', 'urgent', 'hit', 'unknown', 'held']]);
    expect(h.flights.calls).toBe(1);
    expect(h.flights.claims.map((c) => c.request.requestId)).toEqual(['bulk', 'urgent', 'hit', 'held']);
    expect(h.requests.writes).toBe(1);
    expect(h.requests.recorded.map((r) => [r.id, r.status])).toEqual([
      ['bulk', 'routed'],
      ['urgent', 'routed'],
      ['hit', 'routed'],
      ['held', 'queued'],
    ]);
    expect([...h.holds.rows.keys()]).toEqual(['acme/held']);
    expect(h.publisher.sends).toHaveLength(1);
    expect(h.publisher.sends[0]!.map((m) => [m.message.to, m.correlation.requestId])).toEqual([
      ['batch', 'bulk'],
      ['events', 'bulk'],
      ['realtime', 'urgent'],
      ['events', 'urgent'],
      ['results', 'hit'],
      ['events', 'hit'],
      ['results', 'unknown'],
      ['events', 'held'],
      ['events', 'held'],
    ]);
  });

  it('routes a request given twice in one batch once: the copy sends nothing', async () => {
    const h = harness();
    const message = withDeadline(24 * HOUR);
    h.requests.add(message);
    const results = await h.batch([message, message]);
    expect(results).toEqual([
      { ok: true, outcome: expect.objectContaining({ kind: 'routed', lane: 'batch' }) },
      { ok: true, outcome: { kind: 'duplicate' } },
    ]);
    expect(h.flights.claims).toHaveLength(1);
    expect(h.requests.recorded).toHaveLength(1);
    expect(h.publisher.on('batch')).toHaveLength(1);
  });

  it('fails a request missing from the ledger alone; the rest of its batch is routed', async () => {
    const h = harness();
    const known = withDeadline(24 * HOUR, { id: 'known' });
    const stranger = withDeadline(24 * HOUR, { id: 'stranger' });
    h.requests.add(known);
    const [first, second] = await h.batch([stranger, known]);
    expect(first).toEqual({ ok: false, error: expect.any(NonRetryableError) });
    expect(!first!.ok && first!.error).toMatchObject({ code: 'REQUEST_NOT_IN_LEDGER' });
    expect(second).toMatchObject({ ok: true, outcome: { kind: 'routed' } });
    expect(h.publisher.on('batch')).toHaveLength(1);
  });

  it("fails only the request whose messages the broker refuses, once the batch's produce request fails", async () => {
    const h = harness();
    const fine = withDeadline(24 * HOUR, { id: 'fine' });
    const huge = withDeadline(24 * HOUR, { id: 'huge' });
    h.requests.add(fine);
    h.requests.add(huge);
    h.publisher.refuse.add('huge');
    const [first, second] = await h.batch([fine, huge]);
    expect(first).toMatchObject({ ok: true, outcome: { kind: 'routed' } });
    expect(second).toEqual({ ok: false, error: new Error('MESSAGE_TOO_LARGE') });
    expect(h.publisher.sends.map((send) => send.map((m) => m.correlation.requestId))).toEqual([['fine', 'fine']]);
    // Recorded, so its retry sends the recorded decision again.
    expect(await h.route(huge).catch(() => 'refused again')).toBe('refused again');
    h.publisher.refuse.clear();
    expect(await h.route(huge)).toMatchObject({ kind: 'republished', lane: 'batch' });
  });

  it('judges a follower against its leader in the same batch without reading the ledger again', async () => {
    const h = harness();
    const leader = withDeadline(20_000, { id: 'leader' });
    const follower = withDeadline(20_000, { id: 'follower' });
    h.requests.add(leader);
    h.requests.add(follower);
    h.flights.outcomes.set('follower', { role: 'follower', leader: { tenant: 'acme', requestId: 'leader' } });
    const results = await h.batch([leader, follower]);
    expect(results.map((r) => r.ok && r.outcome.kind)).toEqual(['routed', 'coalesced']);
    expect(h.requests.reads).toHaveLength(1);
  });

  it('reads the records of leaders outside the batch in one read', async () => {
    const h = harness();
    const elsewhere = withDeadline(20_000, { id: 'elsewhere' });
    const a = withDeadline(20_000, { id: 'a' });
    const b = withDeadline(20_000, { id: 'b' });
    for (const message of [elsewhere, a, b]) h.requests.add(message);
    h.flights.outcome = { role: 'follower', leader: { tenant: 'acme', requestId: 'elsewhere' } };
    const results = await h.batch([a, b]);
    expect(results.map((r) => r.ok && r.outcome.kind)).toEqual(['coalesced', 'coalesced']);
    expect(h.requests.reads).toEqual([
      ['a', 'b'],
      ['elsewhere', 'elsewhere'],
    ]);
  });
});

describe('readCachedAnswer', () => {
  it('takes the response and the counted usage fields, and falls back to the requested model', () => {
    expect(readCachedAnswer({ response: { a: 1 }, usage: { inputTokens: 3, outputTokens: 4, reasoningTokens: 9 } }, 'm')).toEqual({
      response: { a: 1 },
      usage: { inputTokens: 3, outputTokens: 4 },
      model: 'm',
    });
  });

  it('refuses entries without a response object or with bad usage', () => {
    expect(readCachedAnswer({ response: 'text', usage: { inputTokens: 1, outputTokens: 1 } }, 'm')).toBeUndefined();
    expect(readCachedAnswer({ response: {}, usage: { inputTokens: -1, outputTokens: 1 } }, 'm')).toBeUndefined();
    expect(readCachedAnswer({ response: {} }, 'm')).toBeUndefined();
  });
});
