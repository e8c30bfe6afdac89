import { LedgerRepositories, createPool, createRepositories } from '@sluice/ledger';
import { Pool } from 'pg';

/** The ledger as a test sees it: repositories for setup (tenants, API keys) and for checking outcomes. */
export class LedgerAccess {
  readonly pool: Pool;
  readonly repositories: LedgerRepositories;

  constructor(databaseUrl: string) {
    this.pool = createPool(databaseUrl);
    this.repositories = createRepositories(this.pool);
  }

  /** A tenant with a fresh API key for the HTTP API (the plaintext key exists only here). */
  async issueApiKey(tenant: string): Promise<string> {
    await this.repositories.tenants.upsert(tenant);
    const { key } = await this.repositories.apiKeys.issue(tenant, 'e2e');
    return key;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
