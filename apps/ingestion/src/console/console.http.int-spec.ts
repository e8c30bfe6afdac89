import { AcceptedRequestV1, InferenceResultV1, Lane, resultIdFor, Topics, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { requestRecordFromAccepted } from '@sluice/ledger';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { produceFixtures, testKafka } from '@sluice/kafka/testing';
import { randomTenant, waitFor } from '@sluice/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStreamClient, openEventStream } from '../../test/event-stream.client';
import { apiClient, createTestDatabase, RunningIngestion, startIngestion, tenantWithKey } from '../../test/ingestion.harness';
import { lifecycleEvent } from '../../test/stream.fixtures';
import { RequestEventsRelay } from '../events/request-events.relay';
import type { FeedTick } from './console.feed';
import type { ConsoleOverview } from './console-api.controller';
import { ConsoleModule } from './console.module';

/** The console's front end as npm run build makes it, into a folder of this run. */
function buildConsole(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-console-'));
  execFileSync(process.execPath, [join(__dirname, '..', '..', '..', '..', 'scripts', 'build', 'build-console.js'), dir], { stdio: 'pipe' });
  return dir;
}

const keys = (rows: Array<{ key: string }>): string[] => rows.map((row) => row.key).sort();
const ids = (body: unknown): string[] => (body as { requests: Array<{ id: string }> }).requests.map((row) => row.id);
const tenants = (body: unknown): string[] => (body as { requests: Array<{ tenant: string }> }).requests.map((row) => row.tenant).sort();

describe('the console (real database)', () => {
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  let consoleDir: string;
  const operatorTenant = randomTenant('ops');
  const feeds: EventStreamClient[] = [];

  beforeAll(async () => {
    consoleDir = buildConsole();
    database = await createTestDatabase();
    ingestion = await startIngestion({
      database,
      modules: [ConsoleModule],
      env: { INGESTION_CONSOLE_OPERATOR_TENANTS: operatorTenant, INGESTION_CONSOLE_DIR: consoleDir },
    });
  });

  afterAll(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
    await ingestion?.close();
    await database?.drop();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  async function accepted(tenant: string, id: string, metadata: Record<string, string> = {}): Promise<void> {
    const request = validateMessage(AcceptedRequestV1, sampleAccepted({ request: sampleRequest({ tenant, id, metadata }) }));
    if (!request.ok) throw new Error(JSON.stringify(request.errors));
    await ingestion.ledger.requests.insert(requestRecordFromAccepted(request.value));
  }

  async function booked(tenant: string, id: string, lane: Lane, completedAt: string, cost: InferenceResultV1['cost']): Promise<void> {
    const result = validateMessage(
      InferenceResultV1,
      sampleResult({ tenant, id, lane, resultId: resultIdFor(tenant, id, lane, 1), cost, timings: { receivedAt: '2030-03-01T00:00:00Z', completedAt } }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    await ingestion.ledger.completions.book(result.value);
  }

  it('serves its page and assets without a key, and its data only with one', async () => {
    const page = await fetch(`${ingestion.baseUrl}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/console/assets/app.js');
    expect((await fetch(`${ingestion.baseUrl}/console/assets/app.js`)).headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${ingestion.baseUrl}/console/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await apiClient(ingestion.baseUrl).get('/console/api/overview')).status).toBe(401);
  });

  it("shows a tenant the ledger's own cost totals and only its own requests; an operator key sees every tenant", async () => {
    const mine = await tenantWithKey(ingestion.ledger, 'con');
    const theirs = await tenantWithKey(ingestion.ledger, 'oth');
    await ingestion.ledger.tenants.upsert(operatorTenant);
    const operator = (await ingestion.ledger.apiKeys.issue(operatorTenant)).key;
    await accepted(mine.tenant, 'm1', { team: 'search' });
    await accepted(mine.tenant, 'm2', { team: 'ads' });
    await accepted(theirs.tenant, 't1', { team: 'search' });
    await booked(mine.tenant, 'm1', 'batch', '2030-03-01T10:00:00Z', { usd: 0.0000216, realtimeUsd: 0.0000432, savedUsd: 0.0000216 });
    await booked(mine.tenant, 'm2', 'realtime', '2030-03-02T10:00:00Z', { usd: 0.00002, realtimeUsd: 0.00002, savedUsd: 0 });
    await booked(theirs.tenant, 't1', 'realtime', '2030-03-01T11:00:00Z', { usd: 1, realtimeUsd: 1, savedUsd: 0 });
    const range = 'from=2030-03-01&to=2030-03-02';

    const costs = await apiClient(ingestion.baseUrl, mine.key).get(`/v1/costs?${range}`);
    const reply = await apiClient(ingestion.baseUrl, mine.key).get(`/console/api/overview?${range}`);
    expect(reply.status).toBe(200);
    const overview = reply.body as ConsoleOverview;
    expect(overview.scope).toEqual({ tenant: mine.tenant, operator: false });
    expect(overview.costs).toEqual(costs.body);
    expect(overview.costs.total).toMatchObject({ requests: 2, costUsd: 0.0000416, realtimeCostUsd: 0.0000632, savedUsd: 0.0000216 });
    expect(keys(overview.attainment.tenants)).toEqual([mine.tenant]);
    expect(overview.attainment.lanes).toEqual([
      expect.objectContaining({ key: 'batch', completed: 1 }),
      expect.objectContaining({ key: 'realtime', completed: 1 }),
    ]);

    const all = (await apiClient(ingestion.baseUrl, operator).get(`/console/api/overview?${range}`)).body as ConsoleOverview;
    expect(all.scope).toEqual({ tenant: null, operator: true });
    expect(all.costs.total).toMatchObject({ requests: 3, costUsd: 1.0000416 });
    expect(keys(all.attainment.tenants)).toEqual([mine.tenant, theirs.tenant].sort());

    const searchMine = await apiClient(ingestion.baseUrl, mine.key).get('/console/api/requests?meta=team%3Dsearch');
    expect(ids(searchMine.body)).toEqual(['m1']);
    const askTheirs = await apiClient(ingestion.baseUrl, mine.key).get(`/console/api/requests?tenant=${theirs.tenant}`);
    expect(ids(askTheirs.body)).toEqual([]);
    expect((await apiClient(ingestion.baseUrl, mine.key).get(`/console/api/requests/${theirs.tenant}/t1`)).status).toBe(404);
    const searchAll = await apiClient(ingestion.baseUrl, operator).get('/console/api/requests?meta=team%3Dsearch');
    expect(tenants(searchAll.body)).toEqual([mine.tenant, theirs.tenant].sort());
    expect((await apiClient(ingestion.baseUrl, operator).get(`/console/api/requests/${theirs.tenant}/t1`)).status).toBe(200);
  });

  it("tells one request's life in order with its result", async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'one');
    await accepted(tenant, 'r1');
    await booked(tenant, 'r1', 'batch', '2030-03-01T10:00:00Z', { usd: 0.00001, realtimeUsd: 0.00002, savedUsd: 0.00001 });

    const reply = await apiClient(ingestion.baseUrl, key).get(`/console/api/requests/${tenant}/r1`);

    expect(reply.status).toBe(200);
    expect((reply.body as { timeline: Array<{ type: string }> }).timeline.map((entry) => entry.type)).toEqual(['accepted', 'result', 'completed']);
    expect((reply.body as { result: unknown }).result).toMatchObject({ id: 'r1', tenant, lane: 'batch', status: 'succeeded' });
  });

  it('refuses a bad search naming the field', async () => {
    const { key } = await tenantWithKey(ingestion.ledger, 'bad');
    const reply = await apiClient(ingestion.baseUrl, key).get('/console/api/requests?limit=1000');
    expect(reply.status).toBe(400);
    expect((reply.body as { error: unknown }).error).toMatchObject({ code: 'INVALID_FIELD', field: 'limit' });
  });

  it("feeds a browser its tenant's lifecycle events live, counted per second", async () => {
    const relay = ingestion.app.get(RequestEventsRelay);
    await waitFor(() => relay.ready, { timeoutMs: 30_000, description: 'the events relay to join its group' });
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'live');
    const feed = await openEventStream(`${ingestion.baseUrl}/console/api/live`, key);
    feeds.push(feed);
    expect(feed.status).toBe(200);
    await waitFor(() => feed.events().length > 0, { timeoutMs: 10_000, description: 'the first tick' });

    await produceFixtures(testKafka(), Topics.Events, [
      { key: 'live-1', value: lifecycleEvent('someone-else', 'live-1', 'routed', { lane: 'batch', reason: 'not yours' }) },
      { key: 'live-1', value: lifecycleEvent(tenant, 'live-1', 'accepted') },
      { key: 'live-1', value: lifecycleEvent(tenant, 'live-1', 'routed', { lane: 'batch', reason: 'slack' }) },
    ]);

    const ticks = () => feed.events().map((event) => event.data as FeedTick);
    await waitFor(() => ticks().reduce((sum, tick) => sum + (tick.counts.routed ?? 0), 0) === 1, {
      timeoutMs: 15_000,
      description: 'the routed event in a tick',
    });
    const counted = ticks().reduce<Record<string, number>>((sum, tick) => {
      for (const [type, count] of Object.entries(tick.counts)) sum[type] = (sum[type] ?? 0) + count;
      return sum;
    }, {});
    expect(counted).toEqual({ accepted: 1, routed: 1 });
    expect(ticks().flatMap((tick) => tick.recent.map((one) => one.tenant))).toEqual([tenant, tenant]);
  });
});
