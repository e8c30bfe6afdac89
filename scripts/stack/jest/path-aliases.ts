import { loadConfig, register } from 'tsconfig-paths';

/**
 * Jest applies its moduleNameMapper to test files only, not to globalSetup, which runs in Jest's
 * own process; the stack code imports `@sluice/ledger`, so the tsconfig aliases are registered for
 * the duration of the setup. Returns the function that removes them again.
 */
export function registerPathAliases(repoRoot: string): () => void {
  const loaded = loadConfig(repoRoot);
  if (loaded.resultType !== 'success') throw new Error(`cannot read tsconfig paths in ${repoRoot}: ${loaded.message}`);
  return register({ baseUrl: loaded.absoluteBaseUrl, paths: loaded.paths, addMatchAll: false });
}
