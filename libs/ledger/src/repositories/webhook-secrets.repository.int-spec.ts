import { randomTenant, waitFor } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { TenantsRepository } from './tenants.repository';
import { WebhookSecretsRepository } from './webhook-secrets.repository';

describe('WebhookSecretsRepository', () => {
  let db: TestDatabase;
  let tenants: TenantsRepository;
  let secrets: WebhookSecretsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    tenants = new TenantsRepository(db.pool);
    secrets = new WebhookSecretsRepository(db.pool);
  });

  afterAll(() => db.drop());

  it('gives a tenant its own secret and, on rotation, signs with both until the old one retires', async () => {
    const [a, b] = [randomTenant(), randomTenant()];
    await Promise.all([tenants.upsert(a), tenants.upsert(b)]);

    const first = await secrets.rotate(a, 0);
    expect(first).toMatchObject({ retiring: 0, secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) as unknown });
    expect(await secrets.activeFor([a, b])).toEqual(new Map([[a, [first.secret]]]));

    const second = await secrets.rotate(a, 60_000);
    expect(second.retiring).toBe(1);
    expect((await secrets.activeFor([a])).get(a)).toEqual([second.secret, first.secret]);

    const third = await secrets.rotate(a, 300);
    // The first keeps its earlier end; the second now retires too, in 300 ms.
    expect(third.retiring).toBe(1);
    await waitFor(async () => (await secrets.activeFor([a])).get(a)?.length === 2, { timeoutMs: 10_000, description: 'the second secret to retire' });
    expect((await secrets.activeFor([a])).get(a)).toEqual([third.secret, first.secret]);
    expect((await secrets.list(a)).map((row) => row.retiresAt === null)).toEqual([false, false, true]);
  });

  it('retires the current secret at once with no overlap', async () => {
    const tenant = randomTenant();
    await tenants.upsert(tenant);
    await secrets.rotate(tenant, 0);
    const next = await secrets.rotate(tenant, 0);
    expect((await secrets.activeFor([tenant])).get(tenant)).toEqual([next.secret]);
  });
});
