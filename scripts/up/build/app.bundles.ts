import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withStackLock } from '../../stack/state/stack.lock';
import { ServiceName, bundlePath } from '../services/service.catalog';

const TEST_FILE = /\.(spec|int-spec|e2e-spec)\.ts$/;
/** Files outside the sources whose change changes every bundle. */
const SHARED_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'];

function newestIn(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(path));
    else if (/\.(ts|json|css|html)$/.test(entry.name) && !TEST_FILE.test(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** The newest input of an app's bundle: its sources, every library (any may be imported) and the build config. */
export function newestSourceMtime(repoRoot: string, service: ServiceName): number {
  const libs = join(repoRoot, 'libs');
  const libSources = existsSync(libs) ? readdirSync(libs).map((lib) => newestIn(join(libs, lib, 'src'))) : [];
  const shared = SHARED_INPUTS.map((file) => join(repoRoot, file))
    .filter(existsSync)
    .map((file) => statSync(file).mtimeMs);
  const appConfig = join(repoRoot, 'apps', service, 'tsconfig.app.json');
  // apps/<app>/console: a front end the app's build bundles beside it (ingestion's operator console).
  const appSources = [newestIn(join(repoRoot, 'apps', service, 'src')), newestIn(join(repoRoot, 'apps', service, 'console'))];
  return Math.max(...appSources, ...libSources, ...shared, existsSync(appConfig) ? statSync(appConfig).mtimeMs : 0);
}

/** Apps whose bundle is missing or older than one of its inputs. */
export function staleBundles(repoRoot: string, services: readonly ServiceName[]): ServiceName[] {
  return services.filter((service) => {
    const bundle = bundlePath(repoRoot, service);
    return !existsSync(bundle) || statSync(bundle).mtimeMs < newestSourceMtime(repoRoot, service);
  });
}

export interface BuildOptions {
  /** Where the build's output goes: the terminal for `npm run up`, a buffer for tests. */
  output: 'inherit' | ((chunk: string) => void);
  /** Build every listed app, stale or not. */
  force?: boolean;
}

function runBuild(repoRoot: string, services: readonly ServiceName[], output: BuildOptions['output']): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'build', 'build-all.js'), ...services], {
      cwd: repoRoot,
      stdio: output === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    if (output !== 'inherit') {
      child.stdout?.setEncoding('utf8').on('data', output);
      child.stderr?.setEncoding('utf8').on('data', output);
    }
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`npm run build -- ${services.join(' ')} exited with ${code}`))));
  });
}

/**
 * Builds (`npm run build -- <apps>`, scripts/build/build-all.js) the apps whose bundle is stale and
 * returns them. Under a lock in the state dir: two builds of one app at once (`up` in a terminal,
 * an e2e run) would delete each other's bundle mid-write; staleness is judged inside the lock, so
 * whoever waited finds the other's fresh bundles and builds nothing.
 */
export function ensureBundles(repoRoot: string, stateDir: string, services: readonly ServiceName[], options: BuildOptions): Promise<ServiceName[]> {
  return withStackLock(
    join(stateDir, 'build'),
    async () => {
      const toBuild = options.force ? [...services] : staleBundles(repoRoot, services);
      if (toBuild.length > 0) await runBuild(repoRoot, toBuild, options.output);
      return toBuild;
    },
    // Six webpack builds on a small shared machine take minutes: wait for another build rather than fail.
    15 * 60_000,
  );
}
