import { randomTenant } from '@sluice/testing';
import { hashApiKey } from '../hashing/ledger.hashing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { ApiKeysRepository } from './api-keys.repository';
import { TenantsRepository } from './tenants.repository';

describe('TenantsRepository and ApiKeysRepository', () => {
  let db: TestDatabase;
  let tenants: TenantsRepository;
  let apiKeys: ApiKeysRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    tenants = new TenantsRepository(db.pool);
    apiKeys = new ApiKeysRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('upserts tenants and refuses ids outside the contract pattern', async () => {
    const id = randomTenant();
    expect(await tenants.upsert(id, 'Acme')).toMatchObject({ id, name: 'Acme', disabledAt: null });
    expect(await tenants.upsert(id, 'Acme Corp')).toMatchObject({ id, name: 'Acme Corp' });
    await expect(tenants.upsert('Not Valid')).rejects.toThrow(/check constraint/);
  });

  it('stores only the hash of a key and authenticates with the plaintext', async () => {
    const tenant = randomTenant();
    await tenants.upsert(tenant);
    const { key, prefix } = await apiKeys.issue(tenant, 'ci');
    expect(key).toMatch(new RegExp(`^slc_${prefix}_[A-Za-z0-9_-]{43}$`));

    const { rows } = await db.pool.query('select * from api_keys where prefix = $1', [prefix]);
    // The secret is base64url, so it may itself contain '_': it is what follows the prefix, not a split field.
    const secret = key.slice(`slc_${prefix}_`.length);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0].key_hash).toBe(hashApiKey(key));

    expect(await apiKeys.authenticate(key)).toMatchObject({ tenantId: tenant, prefix });
    expect(await apiKeys.authenticate(`${key}x`)).toBeUndefined();
    const { rows: used } = await db.pool.query('select last_used_at from api_keys where prefix = $1', [prefix]);
    expect(used[0].last_used_at).toBeInstanceOf(Date);
  });

  it('stops authenticating revoked keys and keys of disabled tenants', async () => {
    const tenant = randomTenant();
    await tenants.upsert(tenant);
    const revoked = await apiKeys.issue(tenant);
    const live = await apiKeys.issue(tenant);
    expect(await apiKeys.revoke(revoked.prefix)).toBe(true);
    expect(await apiKeys.revoke(revoked.prefix)).toBe(false);
    expect(await apiKeys.authenticate(revoked.key)).toBeUndefined();
    expect(await apiKeys.authenticate(live.key)).toBeDefined();

    await tenants.setDisabled(tenant, true);
    expect(await apiKeys.authenticate(live.key)).toBeUndefined();
    await tenants.setDisabled(tenant, false);
    expect(await apiKeys.authenticate(live.key)).toBeDefined();
  });
});
