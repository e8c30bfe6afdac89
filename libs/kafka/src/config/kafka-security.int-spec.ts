import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@sluice/testing';
import { ensureBundles } from '../../../../scripts/up/build/app.bundles';
import { REPO_ROOT, resolveStackConfig } from '../../../../scripts/stack/stack.config';
import { createKafkaDriver, DEFAULT_KAFKA_DRIVER } from '../drivers/kafka.driver.factory';
import { KafkaSecurityError } from '../errors/kafka-security.error';
import type { KafkaDriver } from '../port/driver.port';
import { KafkaProducer } from '../producer/kafka.producer';
import { collectMessages, createRandomTopic, memoryLogger, testDriverName } from '../testing';
import { freePort } from '../../../../scripts/stack/process/free.port';
import { PLAIN_USER, SCRAM_USER, startSecuredBroker, type SecuredBroker } from '../testing/secured-broker';
import { kafkaClientConfigOf, type KafkaConnectionVariables } from './kafka-security.variables';

// Runs once per driver (the integration projects): both must reach a secured cluster through the port.
const driver = testDriverName() ?? DEFAULT_KAFKA_DRIVER;

/** An unsigned JWT, which Kafka's default OAUTHBEARER validator accepts. */
function unsecuredJwt(subject: string): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + 3600 })}.`;
}

describe(`Kafka over SASL_SSL and mTLS (${driver} driver, a broker of its own)`, () => {
  let broker: SecuredBroker;
  let scratch: string;

  /** The environment a service on this cluster would have, with `overrides`. */
  function variables(overrides: Partial<KafkaConnectionVariables>): KafkaConnectionVariables {
    return {
      KAFKA_BROKERS: broker.brokers,
      KAFKA_CLIENT_ID: `sasl-ssl-${driver}`,
      KAFKA_DRIVER: driver,
      KAFKA_TLS: true,
      KAFKA_TLS_CA_FILE: broker.caFile,
      KAFKA_TLS_CHECK_HOSTNAME: true,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: SCRAM_USER.username,
      KAFKA_SASL_PASSWORD: SCRAM_USER.password,
      KAFKA_SASL_OAUTHBEARER_REFRESH_MS: 300_000,
      ...overrides,
    };
  }

  function kafkaFor(overrides: Partial<KafkaConnectionVariables>): KafkaDriver {
    // No driver retries: a refusal must surface at once, and an accepted connect needs none.
    const kafka = createKafkaDriver(kafkaClientConfigOf(variables(overrides), { logger: memoryLogger(), logLevel: 'error', retry: { retries: 0 } }));
    return kafka;
  }

  /** Connects a producer (what every service does first at boot) and disconnects it again. */
  async function connectProducer(kafka: KafkaDriver): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.disconnect();
  }

  /** Runs a service's bundle with `env` until it exits by itself, within `timeoutMs`; its stdout lines and exit code. */
  async function bootService(name: string, env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; lines: string[] }> {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'apps', name, 'main.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      const code = await exited;
      return { code, lines: stdout.split('\n').filter((line) => line !== '') };
    } finally {
      clearTimeout(deadline);
    }
  }

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'sluice-sasl-ssl-client-'));
    let buildOutput = '';
    const [started] = await Promise.all([
      startSecuredBroker({ clientCertificates: true }),
      ensureBundles(REPO_ROOT, resolveStackConfig(process.env, REPO_ROOT).stateDir, ['ingestion'], { output: (chunk) => (buildOutput += chunk) }).catch(
        (error: Error) => {
          throw new Error(`${error.message}\n${buildOutput.slice(-4000)}`);
        },
      ),
    ]);
    broker = started;
  }, 15 * 60_000);

  afterAll(async () => {
    await broker?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('creates a topic, produces and consumes with TLS and SCRAM-SHA-512', async () => {
    const kafka = createKafkaDriver(kafkaClientConfigOf(variables({}), { logger: memoryLogger(), logLevel: 'error' }));
    const topic = await createRandomTopic(kafka, { prefix: 'sasl-ssl' });
    const producer = new KafkaProducer(kafka);
    await producer.connect();
    const id = randomUUID();
    try {
      await producer.send(topic, [{ key: id, value: { id, over: 'SASL_SSL' } }]);
    } finally {
      await producer.disconnect();
    }
    const collector = await collectMessages(kafka, topic);
    try {
      await waitFor(() => collector.messages.length === 1, { timeoutMs: 30_000, description: 'the record back over SASL_SSL' });
      expect(collector.messages[0]!.key?.toString()).toBe(id);
      expect(JSON.parse(collector.messages[0]!.value!.toString())).toEqual({ id, over: 'SASL_SSL' });
    } finally {
      await collector.stop();
    }
  });

  it('authenticates with SCRAM-SHA-256 and PLAIN as well', async () => {
    await connectProducer(kafkaFor({ KAFKA_SASL_MECHANISM: 'scram-sha-256' }));
    await connectProducer(kafkaFor({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: PLAIN_USER.username, KAFKA_SASL_PASSWORD: PLAIN_USER.password }));
  });

  it('authenticates with OAUTHBEARER, reading the token from a file and from a command', async () => {
    const tokenFile = join(scratch, 'token.jwt');
    writeFileSync(tokenFile, `${unsecuredJwt('sluice-oauth')}\n`);
    const oauth = { KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_USERNAME: undefined, KAFKA_SASL_PASSWORD: undefined } as const;
    await connectProducer(kafkaFor({ ...oauth, KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile }));
    await connectProducer(kafkaFor({ ...oauth, KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND: `cat '${tokenFile}'` }));
  });

  it('fails to connect with a wrong password at once, naming SASL and the broker', async () => {
    const started = Date.now();
    const failure = await connectProducer(kafkaFor({ KAFKA_SASL_PASSWORD: 'not-the-password' })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KafkaSecurityError);
    expect((failure as Error).message).toMatch(new RegExp(`^SASL authentication failed at Kafka broker ${broker.brokers[0]}: .*invalid credentials`));
    expect((failure as Error).message).not.toContain('not-the-password');
    // A refusal, not an outage waited out: well inside the driver's connection timeouts.
    expect(Date.now() - started).toBeLessThan(15_000);
    // The consumer side of a service fails the same way.
    const consumer = kafkaFor({ KAFKA_SASL_PASSWORD: 'not-the-password' }).consumer({ groupId: `sasl-ssl-${randomUUID()}` });
    await expect(consumer.connect()).rejects.toThrow(/^SASL authentication failed at Kafka broker /);
    await consumer.disconnect().catch(() => undefined);
  });

  it('refuses a broker certificate no trusted CA issued, naming TLS and the broker', async () => {
    const failure = await connectProducer(kafkaFor({ KAFKA_TLS_CA_FILE: undefined })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KafkaSecurityError);
    expect((failure as Error).message).toMatch(new RegExp(`^TLS handshake with Kafka broker ${broker.brokers[0]} failed: .*certificate`));
  });

  /** The SSL listener that authenticates clients by certificate alone: no SASL. */
  function mtlsVariables(overrides: Partial<KafkaConnectionVariables>): Partial<KafkaConnectionVariables> {
    const mtls = broker.mtls!;
    return {
      KAFKA_BROKERS: mtls.brokers,
      KAFKA_SASL_MECHANISM: undefined,
      KAFKA_SASL_USERNAME: undefined,
      KAFKA_SASL_PASSWORD: undefined,
      KAFKA_TLS_CERT_FILE: mtls.certFile,
      KAFKA_TLS_KEY_FILE: mtls.keyFile,
      ...overrides,
    };
  }

  it('creates a topic, produces and consumes over a listener that requires a client certificate (mTLS)', async () => {
    const kafka = createKafkaDriver(kafkaClientConfigOf(variables(mtlsVariables({})), { logger: memoryLogger(), logLevel: 'error' }));
    const topic = await createRandomTopic(kafka, { prefix: 'mtls' });
    const producer = new KafkaProducer(kafka);
    await producer.connect();
    const id = randomUUID();
    try {
      await producer.send(topic, [{ key: id, value: { id, over: 'mTLS' } }]);
    } finally {
      await producer.disconnect();
    }
    const collector = await collectMessages(kafka, topic);
    try {
      await waitFor(() => collector.messages.length === 1, { timeoutMs: 30_000, description: 'the record back over mTLS' });
      expect(collector.messages[0]!.key?.toString()).toBe(id);
      expect(JSON.parse(collector.messages[0]!.value!.toString())).toEqual({ id, over: 'mTLS' });
    } finally {
      await collector.stop();
    }
  });

  it('fails to connect without a client certificate where one is required, naming the certificate and the broker', async () => {
    const withoutCertificate = mtlsVariables({ KAFKA_TLS_CERT_FILE: undefined, KAFKA_TLS_KEY_FILE: undefined });
    const failure = await connectProducer(kafkaFor(withoutCertificate)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KafkaSecurityError);
    expect((failure as Error).message).toMatch(
      new RegExp(`^Kafka broker ${broker.mtls!.brokers[0]} refused the client certificate: .*alert (bad certificate|certificate required)`),
    );
    const consumer = kafkaFor(withoutCertificate).consumer({ groupId: `mtls-${randomUUID()}` });
    await expect(consumer.connect()).rejects.toThrow(new RegExp(`^Kafka broker ${broker.mtls!.brokers[0]} refused the client certificate: `));
    await consumer.disconnect().catch(() => undefined);
  });

  it('stops a service at boot with a wrong password: exit 1, the fatal line naming SASL and the broker', async () => {
    const { code, lines } = await bootService(
      'ingestion',
      {
        PORT: String(await freePort()),
        LOG_LEVEL: 'info',
        KAFKA_BROKERS: broker.brokers.join(','),
        KAFKA_DRIVER: driver,
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: broker.caFile,
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: SCRAM_USER.username,
        KAFKA_SASL_PASSWORD: 'not-the-password',
      },
      60_000,
    );
    expect(code).toBe(1);
    const parsed = lines.map((line): { level?: string; err?: { type?: string; message?: string } } => {
      try {
        return JSON.parse(line) as object;
      } catch {
        return {};
      }
    });
    const fatal = parsed.find((line) => line.level === 'fatal');
    expect(fatal?.err).toMatchObject({ type: 'KafkaSecurityError' });
    expect(fatal?.err?.message).toMatch(new RegExp(`^SASL authentication failed at Kafka broker ${broker.brokers[0]}: .*invalid credentials`));
    expect(lines.join('\n')).not.toContain('not-the-password');
  });
});
