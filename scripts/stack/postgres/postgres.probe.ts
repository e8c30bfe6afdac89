import { Client } from 'pg';
import { databaseNameOf, maintenanceUrl, redactUrl } from './database.url';

// PostgreSQL's SQLSTATEs for "database does not exist" and "database already exists".
const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

export type ProbeResult = { ok: true } | { ok: false; reason: string; missingDatabase: boolean };

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  // An idle client whose server goes away emits 'error'; unhandled it would crash the CLI.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function probePostgres(url: string): Promise<ProbeResult> {
  try {
    await withClient(url, (client) => client.query('select 1'));
    return { ok: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, reason: (error as Error).message, missingDatabase: code === INVALID_CATALOG_NAME };
  }
}

/** Creates the URL's database when the server answers but the database does not exist yet. */
export async function ensureDatabase(url: string): Promise<'exists' | 'created'> {
  const probe = await probePostgres(url);
  if (probe.ok) return 'exists';
  if (!probe.missingDatabase) throw new Error(`PostgreSQL at ${redactUrl(url)} is not reachable: ${probe.reason}`);
  const name = databaseNameOf(url);
  try {
    await withClient(maintenanceUrl(url), (client) => client.query(`create database ${client.escapeIdentifier(name)}`));
  } catch (error) {
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) {
      throw new Error(`cannot create database ${name} at ${redactUrl(url)}: ${(error as Error).message}`);
    }
  }
  return 'created';
}
