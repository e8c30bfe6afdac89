import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A provider emulator for the contract suite: the one at EMULATOR_URL, or one booted in this process. */
export interface EmulatorHandle {
  /** Host root: Anthropic's base URL; OpenAI's is `${baseUrl}/v1`. */
  baseUrl: string;
  admin(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function startEmulator(): Promise<EmulatorHandle> {
  const external = process.env.EMULATOR_URL;
  if (external) return handle(external.replace(/\/+$/, ''), async () => undefined);

  // Loaded only when needed, so a run against EMULATOR_URL does not depend on the emulator's sources.
  const { loadEmulatorConfig } = await import('../../../apps/provider-emulator/src/config/emulator.config');
  const { createEmulatorApp } = await import('../../../apps/provider-emulator/src/bootstrap/emulator.app');
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-contract-emulator-'));
  const config = loadEmulatorConfig({
    EMULATOR_HOST: '127.0.0.1',
    EMULATOR_PORT: '0',
    EMULATOR_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.EMULATOR_LOG_LEVEL ?? 'silent',
  });
  const app = await createEmulatorApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (address === null || typeof address !== 'object') throw new Error('the emulator is not listening on a TCP port');
  return handle(`http://127.0.0.1:${address.port}`, async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
}

function handle(baseUrl: string, close: () => Promise<void>): EmulatorHandle {
  return {
    baseUrl,
    close,
    async admin(method, path, body) {
      const response = await fetch(`${baseUrl}/_emulator/${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`emulator admin ${method} ${path} answered ${response.status}: ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
  };
}
