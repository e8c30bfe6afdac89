/** The service's one pg.Pool (from @sluice/ledger's createPool), closed last on shutdown. */
export const PG_POOL = Symbol('sluice.pg-pool');
