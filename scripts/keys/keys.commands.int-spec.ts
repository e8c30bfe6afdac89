import { createRepositories } from '@sluice/ledger';
import { createTestDatabase, TestDatabase } from '@sluice/ledger/testing/test-database';
import { randomTenant } from '@sluice/testing';
import { runKeysCommand } from './keys.commands';

function recorder() {
  const out: string[] = [];
  const notes: string[] = [];
  return { out, notes, output: { out: (line: string) => out.push(line), note: (line: string) => notes.push(line) } };
}

describe('keys commands (real database)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('creates a tenant and a key that authenticates, printing the key once and only on out', async () => {
    const tenant = randomTenant('keys');
    const { out, notes, output } = recorder();

    expect(await runKeysCommand(database.pool, { command: 'create', tenant, label: 'ci' }, output)).toBe(0);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^slc_[0-9a-f]{12}_/);
    expect(notes.join('\n')).not.toContain(out[0]);
    expect(await createRepositories(database.pool).apiKeys.authenticate(out[0])).toMatchObject({ tenantId: tenant });
  });

  it('lists prefixes and labels, never keys, and revokes by prefix', async () => {
    const tenant = randomTenant('keys');
    const created = recorder();
    await runKeysCommand(database.pool, { command: 'create', tenant, label: 'first' }, created.output);
    await runKeysCommand(database.pool, { command: 'create', tenant, label: null }, created.output);
    const [firstKey, secondKey] = created.out;
    const firstPrefix = firstKey.split('_')[1];

    const revoked = recorder();
    expect(await runKeysCommand(database.pool, { command: 'revoke', prefix: firstPrefix }, revoked.output)).toBe(0);
    expect(await runKeysCommand(database.pool, { command: 'revoke', prefix: firstPrefix }, revoked.output)).toBe(1);
    expect(await createRepositories(database.pool).apiKeys.authenticate(firstKey)).toBeUndefined();

    const listed = recorder();
    expect(await runKeysCommand(database.pool, { command: 'list', tenant }, listed.output)).toBe(0);
    const text = listed.out.join('\n');
    expect(text).not.toContain(firstKey);
    expect(text).not.toContain(secondKey);
    const rows = listed.out.slice(1).map((line) => line.split('\t'));
    expect(rows.map(([prefix, label]) => [prefix, label]).sort()).toEqual(
      [
        [firstPrefix, 'first'],
        [secondKey.split('_')[1], '-'],
      ].sort(),
    );
    expect(rows.find(([prefix]) => prefix === firstPrefix)?.[4]).not.toBe('-');
  });

  it('issues no key for a disabled tenant', async () => {
    const tenant = randomTenant('keys');
    const ledger = createRepositories(database.pool);
    await ledger.tenants.upsert(tenant);
    await ledger.tenants.setDisabled(tenant, true);
    const { out, output } = recorder();

    expect(await runKeysCommand(database.pool, { command: 'create', tenant, label: null }, output)).toBe(1);
    expect(out).toHaveLength(0);
  });

  it('gives a tenant a webhook secret printed once, and rotates it with the previous one signing along for the overlap', async () => {
    const tenant = randomTenant('keys');
    const created = recorder();
    await runKeysCommand(database.pool, { command: 'create', tenant, label: null }, created.output);

    const first = recorder();
    expect(await runKeysCommand(database.pool, { command: 'webhook-secret', tenant, overlapMs: 60_000 }, first.output)).toBe(0);
    expect(first.out).toEqual([expect.stringMatching(/^whsec_/) as unknown]);
    expect(first.notes.join('\n')).not.toContain(first.out[0]);

    const second = recorder();
    expect(await runKeysCommand(database.pool, { command: 'webhook-secret', tenant, overlapMs: 60_000 }, second.output)).toBe(0);
    expect(second.notes.join('\n')).toContain('the previous one signs along for 60 s');
    expect((await createRepositories(database.pool).webhookSecrets.activeFor([tenant])).get(tenant)).toEqual([second.out[0], first.out[0]]);
  });

  it('refuses a webhook secret for a tenant that does not exist', async () => {
    const { out, notes, output } = recorder();
    expect(await runKeysCommand(database.pool, { command: 'webhook-secret', tenant: randomTenant('keys'), overlapMs: 0 }, output)).toBe(1);
    expect(out).toHaveLength(0);
    expect(notes.join('\n')).toMatch(/^no tenant /);
  });

  it('binds a tenant to intake topics and sets its replyTo prefixes, which policies() reads back; none clears them', async () => {
    const tenant = randomTenant('keys');
    await runKeysCommand(database.pool, { command: 'create', tenant, label: null }, recorder().output);
    const ledger = createRepositories(database.pool);
    expect(await runKeysCommand(database.pool, { command: 'bind', tenant, topics: ['sluice.requests.bulk.v1'] }, recorder().output)).toBe(0);
    expect(await runKeysCommand(database.pool, { command: 'reply-to', tenant, prefixes: ['acme.'] }, recorder().output)).toBe(0);
    expect((await ledger.tenants.policies()).find((policy) => policy.id === tenant)).toEqual({
      id: tenant,
      disabled: false,
      intakeTopics: ['sluice.requests.bulk.v1'],
      replyToPrefixes: ['acme.'],
    });
    await runKeysCommand(database.pool, { command: 'bind', tenant, topics: null }, recorder().output);
    await runKeysCommand(database.pool, { command: 'reply-to', tenant, prefixes: null }, recorder().output);
    expect((await ledger.tenants.policies()).find((policy) => policy.id === tenant)).toBeUndefined();
    expect(await runKeysCommand(database.pool, { command: 'bind', tenant: randomTenant('keys'), topics: null }, recorder().output)).toBe(1);
  });
});
