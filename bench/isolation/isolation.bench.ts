export async function runIsolationBench(_argv: readonly string[]): Promise<void> { throw new Error('not yet'); }
