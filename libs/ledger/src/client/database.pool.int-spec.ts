import type { PoolClient } from 'pg';
import { waitFor } from '@sluice/testing';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { withConnection, withTransaction } from './database.pool';

/** Ends a connection's backend from another connection, as a server restart or failover would. */
async function terminate(database: TestDatabase, pid: number): Promise<void> {
  const { rows } = await database.pool.query<{ ended: boolean }>('select pg_terminate_backend($1) as ended', [pid]);
  expect(rows[0]!.ended).toBe(true);
}

async function backendPid(client: PoolClient): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  return rows[0]!.pid;
}

describe('pooled connections that break while checked out (real PostgreSQL)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('fails the transaction whose statement was running, without an uncaught error, and the pool goes on', async () => {
    let pid = 0;
    const running = withTransaction(database.pool, async (client) => {
      pid = await backendPid(client);
      await client.query('select pg_sleep(30)');
    });
    await waitFor(() => pid !== 0, { timeoutMs: 10_000, description: 'the transaction to start' });
    await terminate(database, pid);

    await expect(running).rejects.toThrow(/terminat/i);
    const { rows } = await database.pool.query<{ pid: number }>('select pg_backend_pid() as pid');
    expect(rows[0]!.pid).not.toBe(pid);
  });

  it('fails the next statement of a connection that broke while idle, and does not return it to the pool', async () => {
    const totalBefore = database.pool.totalCount;
    const outcome = withConnection(database.pool, async (client) => {
      const pid = await backendPid(client);
      await terminate(database, pid);
      // Nothing is running on the connection when its backend ends: the break arrives as an 'error' event.
      await waitFor(() => !(client as unknown as { _queryable: boolean })._queryable, {
        timeoutMs: 10_000,
        description: 'the client to notice its backend ended',
      });
      await client.query('select 1');
    });

    await expect(outcome).rejects.toThrow(/not queryable|terminat|connection/i);
    await waitFor(() => database.pool.totalCount <= totalBefore + 1, { timeoutMs: 10_000, description: 'the broken connection to leave the pool' });
    const clients = await Promise.all([database.pool.query('select 1'), database.pool.query('select 1')]);
    expect(clients.map((result) => result.rowCount)).toEqual([1, 1]);
  });
});
