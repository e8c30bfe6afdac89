import { isAbsolute, join, resolve } from 'node:path';

const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DATABASE_NAME = 'sluice';
const DEFAULT_LOCAL_PG_PORT = 5432;
const DEFAULT_EMBEDDED_PG_PORT = 5433;

export interface StackConfig {
  repoRoot: string;
  /** Where everything we start keeps its data, logs, pid files and stack.json. */
  stateDir: string;
  kafkaBrokers: string;
  /** Set only when the user gave DATABASE_URL: then that server is used or nothing is. */
  databaseUrl?: string;
  /** The PostgreSQL server tried on 127.0.0.1 when DATABASE_URL is not set. */
  localPostgresPort: number;
  /** Port of the embedded server we start when neither of the above answers. */
  embeddedPostgresPort: number;
  topicsFile: string;
  kafkaPom: string;
  kafkaClasspathFile: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  }
  return value;
}

export function resolveStackConfig(env: NodeJS.ProcessEnv, repoRoot: string): StackConfig {
  const stateDir = env.SLUICE_STATE_DIR ? env.SLUICE_STATE_DIR : join(repoRoot, '.sluice');
  return {
    repoRoot,
    stateDir: isAbsolute(stateDir) ? stateDir : resolve(repoRoot, stateDir),
    kafkaBrokers: env.KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS,
    databaseUrl: env.DATABASE_URL || undefined,
    localPostgresPort: port(env, 'SLUICE_LOCAL_PG_PORT', DEFAULT_LOCAL_PG_PORT),
    embeddedPostgresPort: port(env, 'SLUICE_EMBEDDED_PG_PORT', DEFAULT_EMBEDDED_PG_PORT),
    topicsFile: join(repoRoot, 'deploy', 'kafka', 'topics.json'),
    kafkaPom: join(repoRoot, 'deploy', 'kafka', 'pom.xml'),
    kafkaClasspathFile: join(repoRoot, '.kafka', 'cp.txt'),
  };
}

/** The repository root, from this file's place in it (scripts/stack). */
export const REPO_ROOT = resolve(__dirname, '..', '..');
