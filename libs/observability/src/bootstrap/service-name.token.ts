/** The service's name (`router`, `ingestion`, ...): on every log line, metric series and database connection. */
export const SERVICE_NAME = Symbol('sluice.service-name');
