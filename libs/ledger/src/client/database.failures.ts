import { DependencyUnavailableError } from '@sluice/contracts';

/** What the ledger's outages are reported as. */
const LEDGER_DEPENDENCY = 'the ledger database';

// Server states that mean "cannot serve you now", not "your statement is wrong": shutting down,
// restarting, crashed (57P01-57P03), out of connection slots (53300), and every connection exception (08xxx).
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// Failures pg reports by message only, and a database closed to connections (SQLSTATE 55000, a class
// it shares with errors that are the statement's fault).
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /is not currently accepting connections/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** Whether `error` says the database cannot be reached or is going away, rather than that a statement failed. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_STATES.has(code) || code.startsWith('08') || NETWORK_CODES.has(code))) return true;
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** The error a caller should see: an outage as a DependencyUnavailableError (consumers wait for it), anything else as it was. */
export function asDependencyFailure(error: unknown): unknown {
  if (error instanceof DependencyUnavailableError || !isConnectionFailure(error)) return error;
  return new DependencyUnavailableError(LEDGER_DEPENDENCY, error);
}
