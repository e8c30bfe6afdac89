import { Writable } from 'node:stream';
import { createRootLogger } from './logger.options';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const lines = (): Array<Record<string, unknown>> =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('createRootLogger', () => {
  it('writes one JSON object per line with the service, a level name and an ISO time', () => {
    const out = capture();
    createRootLogger('router', 'info', out.stream).info({ topic: 'sluice.accepted.v1' }, 'consumed');
    const [line] = out.lines();
    expect(line).toMatchObject({ service: 'router', level: 'info', msg: 'consumed', topic: 'sluice.accepted.v1' });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('respects the level', () => {
    const out = capture();
    const logger = createRootLogger('router', 'warn', out.stream);
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines().map((line) => line.msg)).toEqual(['shown']);
  });

  it('redacts secrets at the top level, one and two levels down, and in request headers', () => {
    const out = capture();
    createRootLogger('ingestion', 'info', out.stream).info(
      {
        password: 'p0',
        tenant: { apiKey: 'k1', settings: { password: 'p2' } },
        req: { headers: { authorization: 'Bearer t', 'x-api-key': 'k2', accept: 'application/json' } },
      },
      'request',
    );
    const text = JSON.stringify(out.lines()[0]);
    for (const secret of ['p0', 'k1', 'p2', 'Bearer t', 'k2']) expect(text).not.toContain(secret);
    expect(out.lines()[0]).toMatchObject({
      password: '[redacted]',
      tenant: { apiKey: '[redacted]', settings: { password: '[redacted]' } },
      req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'application/json' } },
    });
  });

  it('redacts the Kafka credentials of a config logged whole', () => {
    const out = capture();
    const config = {
      KAFKA_SASL_USERNAME: 'sluice',
      KAFKA_SASL_PASSWORD: 'scram-pw',
      KAFKA_TLS_KEY_PASSWORD: 'key-pw',
      KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND: 'get-token --secret s3',
    };
    createRootLogger('router', 'info', out.stream).info({ config }, 'config');
    const text = JSON.stringify(out.lines()[0]);
    for (const secret of ['scram-pw', 'key-pw', 'get-token']) expect(text).not.toContain(secret);
    expect(out.lines()[0]).toMatchObject({ config: { KAFKA_SASL_USERNAME: 'sluice', KAFKA_SASL_PASSWORD: '[redacted]' } });
  });

  it('redacts the signing keys of a config logged whole, the previous ones included', () => {
    const out = capture();
    const config = { SLUICE_INTERNAL_SIGNING_KEY: 'current-key', SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS: ['old-key-1', 'old-key-2'] };
    createRootLogger('router', 'info', out.stream).info({ config }, 'config');
    const text = JSON.stringify(out.lines()[0]);
    for (const secret of ['current-key', 'old-key-1', 'old-key-2']) expect(text).not.toContain(secret);
    expect(out.lines()[0]).toMatchObject({ config: { SLUICE_INTERNAL_SIGNING_KEY: '[redacted]', SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS: '[redacted]' } });
  });

  it('keeps a database URL readable but masks its password', () => {
    const out = capture();
    createRootLogger('router', 'info', out.stream).info({ config: { DATABASE_URL: 'postgres://sluice:hunter2@db:5432/sluice' } }, 'config');
    expect(out.lines()[0]).toMatchObject({ config: { DATABASE_URL: 'postgres://sluice:***@db:5432/sluice' } });
  });

  it('redacts in child loggers bound to a message', () => {
    const out = capture();
    createRootLogger('router', 'info', out.stream).child({ topic: 't', apiKey: 'k' }).info('x');
    expect(out.lines()[0]).toMatchObject({ topic: 't', apiKey: '[redacted]' });
  });
});
