import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createRepositories, LedgerRepositories } from '@sluice/ledger';
import { createTestDatabase, TestDatabase } from '@sluice/ledger/testing/test-database';
import { SluiceServiceModule } from '@sluice/observability';
import { randomTenant } from '@sluice/testing';
import type { AddressInfo } from 'node:net';
import { IngestionConfig } from '../src/ingestion.config';
import { configureIngestion, ingestionService } from '../src/ingestion.definition';
import { IntakeModule } from '../src/intake.module';

export interface RunningIngestion {
  app: INestApplication;
  baseUrl: string;
  ledger: LedgerRepositories;
  close(): Promise<void>;
}

/**
 * Ingestion in this process the way bootstrapService builds it (the shared service module plus the
 * app's modules, created by NestFactory with ingestion's HTTP options and set up by its own
 * configureIngestion), against a fresh database and the dev broker. `configure` runs after that and
 * before listening, e.g. to connect a Kafka transport.
 */
export async function startIngestion(
  options: { database: TestDatabase; controllers?: Type<unknown>[]; modules?: Type<unknown>[]; configure?: (app: INestApplication) => void } & {
    env?: Record<string, string>;
  },
): Promise<RunningIngestion> {
  Object.assign(process.env, { DATABASE_URL: options.database.url, LOG_LEVEL: 'error' }, options.env);
  const service = SluiceServiceModule.forRoot({ name: 'ingestion', config: IngestionConfig });
  class IngestionUnderTest {}
  const app = await NestFactory.create<NestExpressApplication>(
    { module: IngestionUnderTest, imports: [service, IntakeModule, ...(options.modules ?? [])], controllers: options.controllers ?? [] },
    { ...ingestionService.http, logger: false },
  );
  configureIngestion(app);
  options.configure?.(app);
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    ledger: createRepositories(options.database.pool),
    close: () => app.close(),
  };
}

/** A new tenant with a live API key. */
export async function tenantWithKey(ledger: LedgerRepositories, prefix = 'ing'): Promise<{ tenant: string; key: string; prefix: string }> {
  const tenant = randomTenant(prefix);
  await ledger.tenants.upsert(tenant);
  const issued = await ledger.apiKeys.issue(tenant, 'test');
  return { tenant, key: issued.key, prefix: issued.prefix };
}

export { createTestDatabase };

export interface HttpReply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A small client for the HTTP API: JSON in, parsed JSON (or text) out. */
export function apiClient(baseUrl: string, key?: string) {
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    ...extra,
  });
  const reply = async (response: Response): Promise<HttpReply> => {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (the docs page, a stream): the text is the body.
    }
    return { status: response.status, headers: response.headers, body };
  };
  return {
    post: async (path: string, body: unknown, extra: Record<string, string> = {}): Promise<HttpReply> =>
      reply(
        await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: headers({ 'content-type': 'application/json', ...extra }),
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    get: async (path: string): Promise<HttpReply> => reply(await fetch(`${baseUrl}${path}`, { headers: headers() })),
  };
}
