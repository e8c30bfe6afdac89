import { resolve } from 'node:path';
import { registerPathAliases } from '../../scripts/stack/jest/path-aliases';

/** Integration and e2e specs need the real broker and database: use what answers, start what does not. */
export default async function globalSetup(): Promise<void> {
  const unregister = registerPathAliases(resolve(__dirname, '..', '..'));
  try {
    const { setUpTestStack } = await import('../../scripts/stack/jest/test-stack.hooks');
    await setUpTestStack();
  } finally {
    unregister();
  }
}
