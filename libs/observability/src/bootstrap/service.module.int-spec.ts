import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SluiceConfig } from '@sluice/config';
import { ConsumerHealth, KafkaProducer } from '@sluice/kafka';
import { createPool } from '@sluice/ledger';
import { Writable } from 'node:stream';
import type { Pool } from 'pg';
import request from 'supertest';
import { ConsumerHealthRegistry } from '../health/consumer-health.registry';
import { ReadinessState } from '../health/readiness.state';
import { PG_POOL } from '../database/database.tokens';
import { createRootLogger } from '../logging/logger.options';
import { ROOT_LOGGER } from '../logging/logging.tokens';
import { MessageObserver } from '../messages/message.observer';
import { SluiceServiceModule } from './service.module';

@Controller('v1/things')
class ThingsController {
  @Get(':id')
  get(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [ThingsController] })
class ProbeModule {}

interface Harness {
  app: INestApplication;
  logLines: () => Array<Record<string, unknown>>;
}

async function start(overrides: { pool?: ReturnType<typeof createPool> } = {}): Promise<Harness> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  let builder = Test.createTestingModule({
    imports: [{ module: ProbeModule, imports: [SluiceServiceModule.forRoot({ name: 'probe', config: SluiceConfig })] }],
  })
    .overrideProvider(ROOT_LOGGER)
    .useValue(createRootLogger('probe', 'info', sink));
  if (overrides.pool) builder = builder.overrideProvider(PG_POOL).useValue(overrides.pool);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const logLines = (): Array<Record<string, unknown>> =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { app, logLines };
}

describe('SluiceServiceModule over HTTP', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await start();
  });

  afterEach(async () => {
    await harness.app.close();
  });

  it('answers /health/live without checking anything external', async () => {
    const response = await request(harness.app.getHttpServer()).get('/health/live').expect(200);
    expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
  });

  it('is ready with the database reachable and no consumer registered', async () => {
    const response = await request(harness.app.getHttpServer()).get('/health/ready').expect(200);
    expect(response.body.details).toEqual({
      lifecycle: { status: 'up' },
      database: { status: 'up' },
      kafka: { status: 'up', consumers: [] },
    });
  });

  it('is not ready while a consumer has not joined, and ready once it has', async () => {
    let health: ConsumerHealth = { ready: false, reason: 'joining group' };
    harness.app.get(ConsumerHealthRegistry).register('sluice-probe', { consumerHealth: () => health });
    const notReady = await request(harness.app.getHttpServer()).get('/health/ready').expect(503);
    expect(notReady.body.error).toEqual({
      kafka: { status: 'down', waiting: [{ consumer: 'sluice-probe', reason: 'joining group' }] },
    });
    health = { ready: true };
    await request(harness.app.getHttpServer()).get('/health/ready').expect(200);
  });

  it('is not ready once draining, while still live', async () => {
    harness.app.get(ReadinessState).drain();
    const response = await request(harness.app.getHttpServer()).get('/health/ready').expect(503);
    expect(response.body.error).toEqual({ lifecycle: { status: 'down', reason: 'shutting down' } });
    await request(harness.app.getHttpServer()).get('/health/live').expect(200);
    const summary = await request(harness.app.getHttpServer()).get('/health').expect(503);
    expect(summary.body).toMatchObject({ status: 'shutting_down' });
  });

  it('serves Prometheus text with process metrics, message counters and HTTP timing by route template', async () => {
    harness.app.get(MessageObserver).received({ topic: 'sluice.accepted.v1', partition: 0, offset: '0', headers: {} }, {});
    await request(harness.app.getHttpServer()).get('/v1/things/42').expect(200);
    await request(harness.app.getHttpServer()).get('/nowhere/7').expect(404);
    const response = await request(harness.app.getHttpServer()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(response.text).toContain('process_resident_memory_bytes{service="probe"}');
    expect(response.text).toContain('sluice_messages_consumed_total{topic="sluice.accepted.v1",service="probe"} 1');
    expect(response.text).toContain('sluice_http_request_duration_seconds_count{service="probe",method="GET",route="/v1/things/:id",status_code="200"} 1');
    expect(response.text).toContain('sluice_http_request_duration_seconds_count{service="probe",method="GET",route="unmatched",status_code="404"} 1');
  });

  it("logs each request as JSON with the caller's request id and echoes it back", async () => {
    const response = await request(harness.app.getHttpServer())
      .get('/v1/things/1')
      .set('x-correlation-id', 'corr-77')
      .set('authorization', 'Bearer very-secret')
      .expect(200);
    expect(response.headers['x-request-id']).toBe('corr-77');
    const line = harness.logLines().find((entry) => entry.msg === 'request completed');
    expect(line).toMatchObject({ service: 'probe', requestId: 'corr-77', req: { headers: { authorization: '[redacted]' } } });
  });

  it('does not log probes and scrapes', async () => {
    await request(harness.app.getHttpServer()).get('/health/live').expect(200);
    await request(harness.app.getHttpServer()).get('/metrics').expect(200);
    expect(harness.logLines().filter((entry) => entry.msg === 'request completed')).toEqual([]);
  });
});

describe('SluiceServiceModule with the database down', () => {
  it('is not ready and says why', async () => {
    // Port 1 on loopback refuses at once: the failure is the database's, not a slow timeout.
    const harness = await start({ pool: createPool('postgres://postgres@127.0.0.1:1/sluice') });
    try {
      const response = await request(harness.app.getHttpServer()).get('/health/ready').expect(503);
      expect(response.body.error.database).toMatchObject({ status: 'down', reason: expect.stringMatching(/ECONNREFUSED/) });
      const summary = await request(harness.app.getHttpServer()).get('/health').expect(200);
      expect(summary.body).toMatchObject({ status: 'degraded', dependencies: { database: { status: 'down', reason: expect.stringMatching(/ECONNREFUSED/) } } });
    } finally {
      await harness.app.close();
    }
  });
});

describe('SluiceServiceModule shutdown', () => {
  it('disconnects the producer before it ends the database pool', async () => {
    const harness = await start();
    const disconnect = jest.spyOn(harness.app.get(KafkaProducer), 'disconnect');
    const end = jest.spyOn(harness.app.get<Pool>(PG_POOL), 'end');
    await harness.app.close();
    expect(disconnect).toHaveBeenCalledTimes(1);
    expect(end).toHaveBeenCalledTimes(1);
    expect(disconnect.mock.invocationCallOrder[0]).toBeLessThan(end.mock.invocationCallOrder[0]);
  });
});
