import Anthropic from '@anthropic-ai/sdk';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createEmulatorApp } from '../src/bootstrap/emulator.app';
import { loadEmulatorConfig } from '../src/config/emulator.config';
import type { ProfilePatch } from '../src/profiles/behaviour.profile';
import type { ProfileSource } from '../src/profiles/profile.registry';
import type { KeyBilling } from '../src/billing/billing.ledger';

export interface Harness {
  baseUrl: string;
  openai(apiKey: string, options?: Partial<ConstructorParameters<typeof OpenAI>[0]>): OpenAI;
  anthropic(apiKey: string, options?: Partial<ConstructorParameters<typeof Anthropic>[0]>): Anthropic;
  putProfile(model: string, patch: ProfilePatch): Promise<void>;
  removeProfile(model: string): Promise<void>;
  armFault(model: string, kind: '429' | '500' | 'timeout', count?: number): Promise<void>;
  billing(apiKey: string): Promise<KeyBilling>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

/** Boots the emulator in this process on a free port, with the fast "test" batch preset; `env` adds variables. */
export async function bootEmulator(source: ProfileSource = {}, env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'emulator-test-'));
  const config = loadEmulatorConfig({
    EMULATOR_PORT: '0',
    EMULATOR_DATA_DIR: dataDir,
    EMULATOR_PROFILE: JSON.stringify({ preset: 'test', seed: 7, ...source }),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const app: NestFastifyApplication = await createEmulatorApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (!address || typeof address !== 'object') throw new Error('emulator did not bind');
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${baseUrl}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  };
  const expectOk = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const { status, json } = await admin(method, path, body);
    if (status !== 200) throw new Error(`${method} ${path} → ${status} ${JSON.stringify(json)}`);
    return json;
  };

  return {
    baseUrl,
    openai: (apiKey, options = {}) => new OpenAI({ apiKey, baseURL: `${baseUrl}/v1`, maxRetries: 0, ...options }),
    anthropic: (apiKey, options = {}) => new Anthropic({ apiKey, baseURL: baseUrl, maxRetries: 0, ...options }),
    putProfile: async (model, patch) => {
      await expectOk('PUT', `/profiles/${encodeURIComponent(model)}`, patch);
    },
    removeProfile: async (model) => {
      await expectOk('DELETE', `/profiles/${encodeURIComponent(model)}`);
    },
    armFault: async (model, kind, count = 1) => {
      await expectOk('POST', `/faults/${encodeURIComponent(model)}`, { kind, count });
    },
    billing: async (apiKey) => (await expectOk('GET', `/billing?apiKey=${encodeURIComponent(apiKey)}`)) as KeyBilling,
    admin,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh API key per test keeps billing assertions independent of other tests. */
let keys = 0;
export function newApiKey(label: string): string {
  keys += 1;
  return `sk-test-${label}-${process.pid}-${keys}`;
}
