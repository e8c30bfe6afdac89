import { Pool, PoolClient } from 'pg';
import { asDependencyFailure, isConnectionFailure } from './database.failures';

export interface PoolOptions {
  /** Upper bound on connections this process holds; the server's max_connections is shared by every replica. */
  max?: number;
  applicationName?: string;
  /**
   * Called when an idle pooled connection breaks (server restart, network). The pool has already
   * discarded that connection and the next query opens a new one, so this is for logging only;
   * without a listener Node would treat the event as an uncaught error and exit.
   */
  onIdleError?: (error: Error) => void;
}

export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'sluice',
    // An unreachable server must fail a health check or a boot quickly, not hang it.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Batch statements join a few hundred keys from unnest() to tables of millions of rows. With the
    // default random_page_cost (4, tuned for spinning disks) the planner hashes the whole table instead
    // of probing its primary key once per key, so each batch costs a table scan; 1.1 is the usual SSD value.
    options: '-c random_page_cost=1.1',
  });
  pool.on('error', options.onIdleError ?? (() => undefined));
  return reportingOutages(pool);
}

/**
 * Makes the pool's own queries fail with a DependencyUnavailableError when the server cannot be
 * reached, so a consumer waits out an outage instead of dead-lettering the messages it was handling.
 */
function reportingOutages(pool: Pool): Pool {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const result = query(...args);
    return result instanceof Promise
      ? result.catch((error: unknown) => {
          throw asDependencyFailure(error);
        })
      : result;
  }) as Pool['query'];
  return pool;
}

/** Throws when the database cannot answer a trivial query. */
export async function checkDatabase(pool: Pool): Promise<void> {
  await pool.query('select 1');
}

export type Queryable = Pick<PoolClient, 'query'>;

/**
 * Runs `work` on one pooled connection. A connection that breaks while checked out (a server restart,
 * a failover, a terminated backend) emits 'error', which pg leaves to the borrower: unheard, it ends
 * the process. Heard here, it fails the statement in flight (so `work` throws, and is retried like
 * any failed statement), and the connection is discarded instead of going back to the pool.
 * `discardOnFailure` also closes a connection that is fine when `work` throws, for session state
 * (an advisory lock) that must not outlive it.
 */
export async function withConnection<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: { discardOnFailure?: boolean } = {}): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw asDependencyFailure(error);
  });
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  let failed = false;
  try {
    return await work(client);
  } catch (error) {
    failed = true;
    throw broken !== undefined && !isConnectionFailure(error) ? asDependencyFailure(broken) : asDependencyFailure(error);
  } finally {
    client.removeListener('error', onError);
    client.release(broken ?? (failed && options.discardOnFailure === true ? true : undefined));
  }
}

/** Runs `work` in one transaction on one connection; rolls back when it throws. */
export function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withConnection(pool, async (client) => {
    await client.query('begin');
    try {
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}
