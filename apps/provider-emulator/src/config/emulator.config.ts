import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvEnum, EnvInt, EnvList, EnvString, EnvUrl, loadConfig, LOG_LEVELS, type Environment, type LogLevel } from '@sluice/config';

const ANY = /^[\s\S]+$/;
const SIZE = { min: 1024, max: Number.MAX_SAFE_INTEGER };

/**
 * The emulator's environment. It needs neither Kafka nor the ledger, so it does not extend
 * SluiceConfig; its variables are prefixed EMULATOR_ except the house-wide PORT and LOG_LEVEL.
 */
export class ProviderEmulatorEnv {
  @EnvInt({ description: 'HTTP port; wins over PORT. 0 picks a free port.', min: 0, max: 65535, optional: true })
  EMULATOR_PORT?: number;

  @EnvInt({ description: 'HTTP port when EMULATOR_PORT is unset.', min: 0, max: 65535 })
  PORT = 4010;

  @EnvString({ description: 'Listen address.', pattern: ANY, rule: 'must not be empty' })
  EMULATOR_HOST = '127.0.0.1';

  @EnvString({
    description: 'Directory for uploaded files, batch inputs and outputs and the billing journal. Unset: a new temporary directory, removed at shutdown.',
    pattern: ANY,
    rule: 'must be a path',
    optional: true,
  })
  EMULATOR_DATA_DIR?: string;

  @EnvString({ description: 'JSON behaviour-profile file (see the README).', pattern: ANY, rule: 'must be a path', optional: true })
  EMULATOR_PROFILE_FILE?: string;

  @EnvString({
    description: 'The same JSON as the profile file, inline; applied over the file.',
    pattern: /^\s*\{[\s\S]*\}\s*$/,
    rule: 'must be a JSON object',
    optional: true,
  })
  EMULATOR_PROFILE?: string;

  @EnvInt({
    description: "Seed of fault injection and batch turnaround draws; unset: the profile's seed, else 1.",
    min: 0,
    max: 2 ** 31 - 1,
    optional: true,
  })
  EMULATOR_SEED?: number;

  @EnvList({
    description: 'Comma-separated API keys the emulator accepts (others get 401); unset: any non-empty key.',
    itemPattern: /^\S+$/,
    itemRule: 'keys without spaces',
    optional: true,
  })
  EMULATOR_API_KEYS?: string[];

  @EnvString({
    description:
      'Key of the admin API (/_emulator: profiles, faults, billing, reset), sent as `Authorization: Bearer <key>`. Unset: the admin API is open while EMULATOR_API_KEYS is unset (a local emulator) and closed (403) once it is set.',
    pattern: /^\S{16,}$/,
    rule: 'must be at least 16 characters without spaces',
    secret: true,
    optional: true,
  })
  EMULATOR_ADMIN_KEY?: string;

  @EnvUrl({
    description: "Base of absolute URLs the emulator hands out (Anthropic results_url); unset: the request's Host.",
    protocols: ['http:', 'https:'],
    optional: true,
  })
  EMULATOR_PUBLIC_URL?: string;

  @EnvInt({ description: 'Largest file upload in bytes (413 above).', ...SIZE })
  EMULATOR_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

  @EnvInt({ description: 'Largest JSON body in bytes (an Anthropic batch carries up to 256 MB).', ...SIZE })
  EMULATOR_MAX_JSON_BYTES = 256 * 1024 * 1024;

  @EnvEnum({ description: 'Minimum level of the JSON log lines written to stdout.', values: LOG_LEVELS })
  LOG_LEVEL: LogLevel = 'info';
}

/** The resolved settings the emulator runs with. */
export interface EmulatorConfig {
  host: string;
  port: number;
  dataDir: string;
  /** The data directory was created for this run and is removed at shutdown. */
  dataDirIsTemporary: boolean;
  profileFile: string | undefined;
  profileJson: string | undefined;
  seed: number | undefined;
  /** Empty: any non-empty key is accepted. */
  apiKeys: readonly string[];
  /** Undefined: the admin API is open when apiKeys is empty, closed otherwise. */
  adminKey: string | undefined;
  publicUrl: string | undefined;
  maxUploadBytes: number;
  maxJsonBodyBytes: number;
  logLevel: LogLevel;
}

/** Reads and checks the environment; a wrong variable fails here (ConfigValidationError), by name. */
export function loadEmulatorConfig(env: Environment = process.env): EmulatorConfig {
  const vars = loadConfig(ProviderEmulatorEnv, env);
  return {
    host: vars.EMULATOR_HOST,
    port: vars.EMULATOR_PORT ?? vars.PORT,
    dataDir: vars.EMULATOR_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'sluice-emulator-')),
    dataDirIsTemporary: vars.EMULATOR_DATA_DIR === undefined,
    profileFile: vars.EMULATOR_PROFILE_FILE,
    profileJson: vars.EMULATOR_PROFILE,
    seed: vars.EMULATOR_SEED,
    apiKeys: vars.EMULATOR_API_KEYS ?? [],
    adminKey: vars.EMULATOR_ADMIN_KEY,
    publicUrl: vars.EMULATOR_PUBLIC_URL?.replace(/\/+$/, ''),
    maxUploadBytes: vars.EMULATOR_MAX_UPLOAD_BYTES,
    maxJsonBodyBytes: vars.EMULATOR_MAX_JSON_BYTES,
    logLevel: vars.LOG_LEVEL,
  };
}
