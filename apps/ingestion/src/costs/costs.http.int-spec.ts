import { AcceptedRequestV1, InferenceResultV1, Lane, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { requestRecordFromAccepted } from '@sluice/ledger';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { apiClient, createTestDatabase, RunningIngestion, startIngestion, tenantWithKey } from '../../test/ingestion.harness';

describe('GET /v1/costs (real database)', () => {
  let database: TestDatabase;
  let ingestion: RunningIngestion;

  beforeAll(async () => {
    database = await createTestDatabase();
    ingestion = await startIngestion({ database });
  });

  afterAll(async () => {
    await ingestion?.close();
    await database?.drop();
  });

  async function booked(tenant: string, id: string, lane: Lane, attempt: number, completedAt: string, cost: InferenceResultV1['cost']): Promise<string> {
    const request = validateMessage(AcceptedRequestV1, sampleAccepted({ request: sampleRequest({ tenant, id }) }));
    if (!request.ok) throw new Error(JSON.stringify(request.errors));
    await ingestion.ledger.requests.insert(requestRecordFromAccepted(request.value));
    const result = validateMessage(
      InferenceResultV1,
      sampleResult({ tenant, id, lane, resultId: resultIdFor(tenant, id, lane, attempt), cost, timings: { receivedAt: '2030-03-01T00:00:00Z', completedAt } }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return (await ingestion.ledger.completions.book(result.value)).outcome;
  }

  it("reports the key's tenant's spending per day and lane, superseded results included, with the honest saving", async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'cost');
    const other = await tenantWithKey(ingestion.ledger, 'oth');
    expect(await booked(tenant, 'b1', 'batch', 1, '2030-03-01T10:00:00Z', { usd: 0.0000216, realtimeUsd: 0.0000432, savedUsd: 0.0000216 })).toBe('booked');
    // Escalated by the deadline guard: realtime delivered, the batch result lost the race but was billed.
    expect(await booked(tenant, 'race', 'realtime', 2, '2030-03-01T11:00:00Z', { usd: 0.00002, realtimeUsd: 0.00002, savedUsd: 0 })).toBe('booked');
    expect(await booked(tenant, 'race', 'batch', 1, '2030-03-01T12:00:00Z', { usd: 0.00001, realtimeUsd: 0.00002, savedUsd: 0.00001 })).toBe('superseded');
    expect(await booked(tenant, 'c1', 'cache', 1, '2030-03-02T00:00:00Z', { usd: 0, realtimeUsd: 0.00003, savedUsd: 0.00003 })).toBe('booked');
    expect(await booked(other.tenant, 'theirs', 'realtime', 1, '2030-03-01T10:00:00Z', { usd: 1, realtimeUsd: 1, savedUsd: 0 })).toBe('booked');

    const reply = await apiClient(ingestion.baseUrl, key).get('/v1/costs?from=2030-03-01&to=2030-03-02');

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      from: '2030-03-01',
      to: '2030-03-02',
      currency: 'USD',
      days: [
        {
          day: '2030-03-01',
          lanes: [
            {
              lane: 'batch',
              requests: 1,
              results: 2,
              costUsd: 0.0000316,
              supersededCostUsd: 0.00001,
              extraCalls: 0,
              extraCostUsd: 0,
              realtimeCostUsd: 0.0000432,
              savedUsd: 0.0000116,
            },
            {
              lane: 'realtime',
              requests: 1,
              results: 1,
              costUsd: 0.00002,
              supersededCostUsd: 0,
              extraCalls: 0,
              extraCostUsd: 0,
              realtimeCostUsd: 0.00002,
              savedUsd: 0,
            },
          ],
          total: {
            requests: 2,
            results: 3,
            costUsd: 0.0000516,
            supersededCostUsd: 0.00001,
            extraCalls: 0,
            extraCostUsd: 0,
            realtimeCostUsd: 0.0000632,
            savedUsd: 0.0000116,
          },
        },
        {
          day: '2030-03-02',
          lanes: [
            {
              lane: 'cache',
              requests: 1,
              results: 1,
              costUsd: 0,
              supersededCostUsd: 0,
              extraCalls: 0,
              extraCostUsd: 0,
              realtimeCostUsd: 0.00003,
              savedUsd: 0.00003,
            },
          ],
          total: { requests: 1, results: 1, costUsd: 0, supersededCostUsd: 0, extraCalls: 0, extraCostUsd: 0, realtimeCostUsd: 0.00003, savedUsd: 0.00003 },
        },
      ],
      lanes: [
        {
          lane: 'batch',
          requests: 1,
          results: 2,
          costUsd: 0.0000316,
          supersededCostUsd: 0.00001,
          extraCalls: 0,
          extraCostUsd: 0,
          realtimeCostUsd: 0.0000432,
          savedUsd: 0.0000116,
        },
        {
          lane: 'cache',
          requests: 1,
          results: 1,
          costUsd: 0,
          supersededCostUsd: 0,
          extraCalls: 0,
          extraCostUsd: 0,
          realtimeCostUsd: 0.00003,
          savedUsd: 0.00003,
        },
        {
          lane: 'realtime',
          requests: 1,
          results: 1,
          costUsd: 0.00002,
          supersededCostUsd: 0,
          extraCalls: 0,
          extraCostUsd: 0,
          realtimeCostUsd: 0.00002,
          savedUsd: 0,
        },
      ],
      total: {
        requests: 3,
        results: 4,
        costUsd: 0.0000516,
        supersededCostUsd: 0.00001,
        extraCalls: 0,
        extraCostUsd: 0,
        realtimeCostUsd: 0.0000932,
        savedUsd: 0.0000416,
      },
    });

    const oneDay = await apiClient(ingestion.baseUrl, key).get('/v1/costs?from=2030-03-02&to=2030-03-02');
    expect(oneDay.body).toMatchObject({ days: [{ day: '2030-03-02' }], total: { requests: 1, costUsd: 0 } });
  });

  it('refuses a bad range naming the field, and a request without a key', async () => {
    const { key } = await tenantWithKey(ingestion.ledger, 'cost');
    const client = apiClient(ingestion.baseUrl, key);
    expect(await client.get('/v1/costs?from=2030-03-02&to=2030-03-01')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_FIELD', field: 'from' } },
    });
    expect(await client.get('/v1/costs?to=march')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_FIELD', field: 'to' } } });
    expect(await client.get('/v1/costs?tenant=other')).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_FIELD', field: 'tenant' } } });
    expect(await apiClient(ingestion.baseUrl).get('/v1/costs')).toMatchObject({ status: 401 });
    expect(await client.get('/v1/costs')).toMatchObject({ status: 200, body: { currency: 'USD', days: [] } });
  });

  it('documents the cost and job routes in the OpenAPI document', async () => {
    const openapi = (await apiClient(ingestion.baseUrl).get('/openapi.json')).body as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> };
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/v1/costs', '/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/results', '/v1/jobs/{id}/errors']),
    );
    expect(Object.keys(openapi.components.schemas)).toEqual(expect.arrayContaining(['JobReceiptDoc', 'JobViewDoc', 'RequestCountsDoc', 'CostReportDoc']));
    const figures = openapi.components.schemas.CostFiguresDoc.properties;
    expect(figures.costUsd.description).toContain('superseded');
    expect(figures.savedUsd.description).toContain('realtimeCostUsd - costUsd');
  });
});
