/** Stops only what global setup started; services that were already running stay up. */
export default async function globalTeardown(): Promise<void> {
  const { tearDownTestStack } = await import('../../scripts/stack/jest/test-stack.hooks');
  await tearDownTestStack();
}
