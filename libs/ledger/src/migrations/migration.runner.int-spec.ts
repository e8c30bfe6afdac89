import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { Migration } from './migration';
import { runMigrations } from './migration.runner';
import { MIGRATIONS } from './migrations.registry';

describe('runMigrations', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase({ migrate: false });
  });

  afterEach(async () => {
    await db.drop();
  });

  async function tables(): Promise<string[]> {
    const { rows } = await db.pool.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    return rows.map((r) => r.table_name);
  }

  // The runner's behaviour is shown on the first migration alone, so later migrations don't change these cases.
  const first = [MIGRATIONS[0]];

  it('creates the schema once and is a no-op afterwards', async () => {
    expect(await runMigrations(db.pool, first)).toEqual({ applied: ['001_initial'], current: ['001_initial'] });
    expect(await tables()).toEqual([
      'api_keys',
      'batch_items',
      'batches',
      'cache_entries',
      'completions',
      'request_results',
      'requests',
      'schema_migrations',
      'tenants',
      'webhook_deliveries',
    ]);
    expect(await runMigrations(db.pool, first)).toEqual({ applied: [], current: ['001_initial'] });
  });

  it('applies every registered migration in id order', async () => {
    const ids = MIGRATIONS.map((m) => m.id);
    expect(ids).toEqual([...ids].sort());
    expect(await runMigrations(db.pool)).toEqual({ applied: ids, current: ids });
  });

  it('lets concurrent runners race safely: exactly one applies each migration', async () => {
    const reports = await Promise.all(Array.from({ length: 6 }, () => runMigrations(db.pool, first)));
    expect(reports.filter((r) => r.applied.length > 0)).toEqual([{ applied: ['001_initial'], current: ['001_initial'] }]);
    expect(reports.every((r) => r.current.join() === '001_initial')).toBe(true);
    const { rows } = await db.pool.query('select id from schema_migrations');
    expect(rows).toEqual([{ id: '001_initial' }]);
  });

  it('rolls back a failing migration entirely and releases the lock', async () => {
    const broken: Migration = { id: '999_broken', sql: 'create table half_done (id int); select 1 / 0;' };
    await expect(runMigrations(db.pool, [...first, broken])).rejects.toThrow(/999_broken failed: division by zero/);
    expect(await tables()).not.toContain('half_done');
    // The first migration committed on its own; the lock is free for the next runner.
    expect(await runMigrations(db.pool, first)).toEqual({ applied: [], current: ['001_initial'] });
  });

  it('refuses a migration whose SQL changed after it was applied', async () => {
    await runMigrations(db.pool);
    const edited: Migration = { id: MIGRATIONS[0].id, sql: `${MIGRATIONS[0].sql}\n-- edited` };
    await expect(runMigrations(db.pool, [edited])).rejects.toThrow(/001_initial was changed after it was applied/);
  });

  it('refuses migrations listed out of order', async () => {
    const later: Migration = { id: '002_later', sql: 'select 1' };
    await expect(runMigrations(db.pool, [later, MIGRATIONS[0]])).rejects.toThrow(/listed in id order/);
    expect(await tables()).toEqual([]);
  });
});
