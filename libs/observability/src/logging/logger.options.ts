import { LogLevel, redactUrlPassword } from '@sluice/config';
import pino from 'pino';

// The Kafka and signing ones as the config names them (a config logged whole) and as the client options do (passphrase).
const SECRET_KEYS = [
  'password',
  'apiKey',
  'api_key',
  'secret',
  'token',
  'authorization',
  'passphrase',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_TLS_KEY_PASSWORD',
  'KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND',
  'SLUICE_INTERNAL_SIGNING_KEY',
  'SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS',
];
const URL_KEYS = ['DATABASE_URL', 'databaseUrl', 'connectionString'];

// The redaction engine matches fixed paths, one level per wildcard: cover the depths our log calls use
// (a field, a field of an object, a field of a nested object) rather than walking every object.
const REDACTED_PATHS = [
  ...[...SECRET_KEYS, ...URL_KEYS].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1];
  // A connection URL keeps its host and database in the log: that is what an operator looks for.
  if (URL_KEYS.includes(key) && typeof value === 'string') return redactUrlPassword(value);
  return '[redacted]';
}

/**
 * Options for every Sluice logger: one JSON object per line on stdout (no transport, so no worker
 * thread and nothing for a bundler to miss), the service name on every line, ISO timestamps, level
 * names instead of numbers, and secrets redacted wherever our code might log them.
 */
export function createLoggerOptions(service: string, level: LogLevel): pino.LoggerOptions {
  return {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor },
  };
}

export function createRootLogger(service: string, level: LogLevel, destination?: pino.DestinationStream): pino.Logger {
  return pino(createLoggerOptions(service, level), destination);
}
