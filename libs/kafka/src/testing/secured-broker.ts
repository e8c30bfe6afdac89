import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaJars } from '../../../../scripts/stack/kafka/kafka.jars';
import { renderLog4j2Properties, renderProperties, singleNodeEntries, type PropertyEntries } from '../../../../scripts/stack/kafka/broker.properties';
import { freePorts } from '../../../../scripts/stack/process/free.port';
import { isRunning, pollUntil, runCommand, spawnLogged, stopProcess, tailOf } from '../../../../scripts/stack/process/process.control';
import { REPO_ROOT, resolveStackConfig } from '../../../../scripts/stack/stack.config';
import { createKafkaDriver } from '../drivers/kafka.driver.factory';
import type { KafkaSecuritySettings } from '../config/kafka-security';

/** The SCRAM user the broker is formatted with, under both SCRAM mechanisms, and a PLAIN user. */
export const SCRAM_USER = { username: 'sluice-scram', password: 'scram-secret-1' } as const;
export const PLAIN_USER = { username: 'sluice-plain', password: 'plain-secret-1' } as const;

export interface SecuredBroker {
  /** The SASL_SSL listener, by the host name its certificate carries. */
  brokers: string[];
  /** With `clientCertificates`: an SSL listener that takes only clients with a certificate the CA issued (mTLS), and that certificate. */
  mtls?: { brokers: string[]; certFile: string; keyFile: string };
  /** PEM of the CA that issued the broker's certificate; the broker's certificate itself is not trusted by anyone. */
  caFile: string;
  ca: Buffer;
  stop(): Promise<void>;
}

async function run(command: string, args: readonly string[], what: string): Promise<void> {
  const result = await runCommand(command, args, { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output.trim()}`);
}

/**
 * A CA, and a broker certificate it signs for localhost and 127.0.0.1, made with the JDK's keytool
 * (Java is there wherever the broker runs). Independent steps run side by side: each is a JVM start.
 */
async function makeCertificates(dir: string): Promise<{ keystore: string; caFile: string }> {
  const ca = ['-keystore', join(dir, 'ca.p12'), '-storetype', 'PKCS12', '-storepass', 'ca-store'];
  const broker = ['-keystore', join(dir, 'broker.p12'), '-storetype', 'PKCS12', '-storepass', 'broker-store'];
  const keyPair = ['-keyalg', 'EC', '-groupname', 'secp256r1', '-validity', '2'];
  const caFile = join(dir, 'ca.pem');
  const csr = join(dir, 'broker.csr');
  const chain = join(dir, 'broker-chain.pem');
  const signed = join(dir, 'broker.pem');
  await Promise.all([
    run('keytool', ['-genkeypair', ...ca, '-alias', 'ca', '-dname', 'CN=Sluice test CA', ...keyPair, '-ext', 'bc:c'], 'keytool (CA key pair)'),
    run('keytool', ['-genkeypair', ...broker, '-alias', 'broker', '-dname', 'CN=localhost', ...keyPair], 'keytool (broker key pair)'),
  ]);
  await Promise.all([
    run('keytool', ['-exportcert', ...ca, '-alias', 'ca', '-rfc', '-file', caFile], 'keytool (export CA)'),
    run('keytool', ['-certreq', ...broker, '-alias', 'broker', '-file', csr], 'keytool (certificate request)'),
  ]);
  await run(
    'keytool',
    ['-gencert', ...ca, '-alias', 'ca', '-infile', csr, '-outfile', signed, '-rfc', '-validity', '2', '-ext', 'SAN=dns:localhost,ip:127.0.0.1'],
    'keytool (sign the broker certificate)',
  );
  // The reply with its whole chain, so keytool needs no trusted CA entry to install it.
  writeFileSync(chain, readFileSync(signed, 'utf8') + readFileSync(caFile, 'utf8'));
  await run('keytool', ['-importcert', ...broker, '-alias', 'broker', '-file', chain, '-noprompt'], 'keytool (install the signed certificate)');
  return { keystore: join(dir, 'broker.p12'), caFile };
}

/**
 * A client certificate the CA signs, as the PEM files KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE take,
 * and the truststore (the CA alone) the broker checks client certificates against. The key and its
 * request are made by openssl (keytool cannot write a private key as PEM); keytool signs with the CA.
 */
async function makeClientCertificate(dir: string, caFile: string): Promise<{ certFile: string; keyFile: string; truststore: string }> {
  const ca = ['-keystore', join(dir, 'ca.p12'), '-storetype', 'PKCS12', '-storepass', 'ca-store'];
  const keyFile = join(dir, 'client-key.pem');
  const csr = join(dir, 'client.csr');
  const certFile = join(dir, 'client.pem');
  const truststore = join(dir, 'truststore.p12');
  await Promise.all([
    run(
      'openssl',
      ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=sluice-mtls', '-keyout', keyFile, '-out', csr],
      'openssl (client key and certificate request)',
    ),
    run(
      'keytool',
      ['-importcert', '-keystore', truststore, '-storetype', 'PKCS12', '-storepass', 'trust-store', '-alias', 'ca', '-file', caFile, '-noprompt'],
      'keytool (truststore)',
    ),
  ]);
  await run(
    'keytool',
    ['-gencert', ...ca, '-alias', 'ca', '-infile', csr, '-outfile', certFile, '-rfc', '-validity', '2'],
    'keytool (sign the client certificate)',
  );
  return { certFile, keyFile, truststore };
}

interface ServerOptions {
  dir: string;
  keystore: string;
  port: number;
  internalPort: number;
  controllerPort: number;
  mtls?: { port: number; truststore: string };
}

function clientAuthEntries(truststore: string): PropertyEntries {
  return [
    ['listener.name.ssl.ssl.client.auth', 'required'],
    ['listener.name.ssl.ssl.truststore.type', 'PKCS12'],
    ['listener.name.ssl.ssl.truststore.location', truststore],
    ['listener.name.ssl.ssl.truststore.password', 'trust-store'],
  ];
}

function serverProperties(options: ServerOptions): string {
  const { dir, keystore, port, internalPort, controllerPort, mtls } = options;
  const jaas = (module: string, extra = ''): string => `org.apache.kafka.common.security.${module} required${extra};`;
  const ssl = mtls ? `,SSL://localhost:${mtls.port}` : '';
  return renderProperties([
    ...singleNodeEntries({ controllerHost: '127.0.0.1', controllerPort, logDir: join(dir, 'data') }),
    // Clients get only SASL_SSL (and SSL with client certificates); the broker talks to itself in plaintext on loopback.
    ['listeners', `SASL_SSL://localhost:${port}${ssl},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`],
    ['advertised.listeners', `SASL_SSL://localhost:${port}${ssl},INTERNAL://127.0.0.1:${internalPort}`],
    ['listener.security.protocol.map', 'SASL_SSL:SASL_SSL,SSL:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['inter.broker.listener.name', 'INTERNAL'],
    ['ssl.keystore.type', 'PKCS12'],
    ['ssl.keystore.location', keystore],
    ['ssl.keystore.password', 'broker-store'],
    ['sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER'],
    ['listener.name.sasl_ssl.plain.sasl.jaas.config', jaas('plain.PlainLoginModule', ` user_${PLAIN_USER.username}="${PLAIN_USER.password}"`)],
    ['listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config', jaas('scram.ScramLoginModule')],
    ['listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config', jaas('scram.ScramLoginModule')],
    // Kafka's default OAUTHBEARER validator takes unsigned JWTs: enough to prove the token reaches the broker.
    ['listener.name.sasl_ssl.oauthbearer.sasl.jaas.config', jaas('oauthbearer.OAuthBearerLoginModule')],
    // The SSL listener authenticates clients by certificate alone: one the CA did not issue, or none, is refused.
    ...(mtls ? clientAuthEntries(mtls.truststore) : []),
  ]);
}

/**
 * A single-node KRaft broker of its own (free ports, a temporary state dir) whose only client listener
 * is SASL_SSL, with the SCRAM user written by the broker's own storage tool at format time. Resolves
 * once the broker answers a SCRAM-authenticated request over TLS; `stop` ends it and deletes its files.
 */
export async function startSecuredBroker(options: { readyTimeoutMs?: number; clientCertificates?: boolean } = {}): Promise<SecuredBroker> {
  const stack = resolveStackConfig(process.env, REPO_ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-sasl-ssl-'));
  const [{ classpath }, { keystore, caFile, client }, [port, internalPort, controllerPort, mtlsPort]] = await Promise.all([
    ensureKafkaJars(stack.kafkaPom, stack.kafkaClasspathFile),
    makeCertificates(dir).then(async (made) => ({ ...made, client: options.clientCertificates ? await makeClientCertificate(dir, made.caFile) : undefined })),
    freePorts(4),
  ]);
  const properties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j2.properties');
  const logFile = join(dir, 'broker.log');
  const mtls = client ? { port: mtlsPort, truststore: client.truststore } : undefined;
  writeFileSync(properties, serverProperties({ dir, keystore, port, internalPort, controllerPort, mtls }));
  writeFileSync(log4j, renderLog4j2Properties());
  const scram = (mechanism: string): string[] => ['--add-scram', `${mechanism}=[name=${SCRAM_USER.username},password=${SCRAM_USER.password}]`];
  await run(
    'java',
    [
      '-Xmx256m',
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      'SluiceSaslSslTest0000w',
      '-c',
      properties,
      ...scram('SCRAM-SHA-256'),
      ...scram('SCRAM-SHA-512'),
    ],
    'kafka-storage format',
  );
  const child = spawnLogged(
    'java',
    ['-Xms256m', '-Xmx512m', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath, 'kafka.Kafka', properties],
    {
      logFile,
    },
  );
  const pid = child.pid!;
  const ca = readFileSync(caFile);
  const stop = async (): Promise<void> => {
    await stopProcess(pid, properties, 10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  const brokers = [`localhost:${port}`];
  const security: KafkaSecuritySettings = { tls: { ca }, sasl: { mechanism: 'scram-sha-512', ...SCRAM_USER } };
  const quiet = (): void => undefined;
  const probe = createKafkaDriver({
    brokers,
    driver: 'kafkajs',
    clientId: 'sasl-ssl-probe',
    security,
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    logLevel: 'error',
    connectionTimeoutMs: 2_000,
    retry: { retries: 0 },
  });
  try {
    const ready = await pollUntil(
      async () => {
        const admin = probe.admin();
        await admin.connect();
        try {
          await admin.listTopics();
          return true;
        } finally {
          await admin.disconnect();
        }
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 90_000,
        intervalMs: 250,
        failFast: () => (isRunning(pid) ? undefined : `the SASL_SSL test broker exited during start-up; ${logFile} ends with:\n${tailOf(logFile)}`),
      },
    );
    if (!ready) throw new Error(`the SASL_SSL test broker did not answer at ${brokers.join(',')} in time; ${logFile} ends with:\n${tailOf(logFile)}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const mtlsBrokers = client ? { brokers: [`localhost:${mtlsPort}`], certFile: client.certFile, keyFile: client.keyFile } : undefined;
  return { brokers, caFile, ca, stop, ...(mtlsBrokers ? { mtls: mtlsBrokers } : {}) };
}
