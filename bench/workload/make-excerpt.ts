import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SHIPPED_EXCERPT_DIR } from './trace.files';
import { EXCERPT_WINDOW, excerptLines } from './trace.excerpt';

/**
 * Cuts the shipped excerpt from the full dataset by EXCERPT_WINDOW:
 * `npx tsx bench/workload/make-excerpt.ts [<dataset dir>]` (default ../shared/data/azure-llm-trace-2023).
 */
const datasetDir = resolve(process.argv[2] ?? join(__dirname, '..', '..', '..', 'shared', 'data', 'azure-llm-trace-2023'));
for (const source of ['code', 'conv'] as const) {
  const lines = excerptLines(readFileSync(join(datasetDir, `AzureLLMInferenceTrace_${source}.csv`), 'utf8'));
  const target = join(SHIPPED_EXCERPT_DIR, `${source}.csv`);
  writeFileSync(target, `${lines.join('\n')}\n`);
  console.log(`${target}: ${lines.length - 1} rows invoked in [${EXCERPT_WINDOW.from}, ${EXCERPT_WINDOW.to})`);
}
