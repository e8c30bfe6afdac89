import { toKafkaJsSecurity } from '../drivers/kafkajs/kafkajs.security';
import { toSecurityOptions } from '../drivers/platformatic/platformatic.options';
import { kafkaSecurityOf, KafkaSecurityConfigError, type KafkaSecurityIo, type KafkaSecurityVariables } from './kafka-security.variables';

const CERT = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const KEY = Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');

/** Files by path, and token sources that say where they would read from; no disk, no processes. */
function fakeIo(files: Record<string, Buffer>): KafkaSecurityIo & { origins: unknown[] } {
  const origins: unknown[] = [];
  return {
    origins,
    readFile: (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return content;
    },
    tokenSource: (origin, options) => {
      origins.push({ origin, options });
      return () => Promise.resolve('token-from-fake');
    },
  };
}

const none: KafkaSecurityVariables = { KAFKA_TLS: false, KAFKA_TLS_CHECK_HOSTNAME: true, KAFKA_SASL_OAUTHBEARER_REFRESH_MS: 300_000 };

function problemsOf(variables: Partial<KafkaSecurityVariables>, io = fakeIo({})): readonly string[] {
  try {
    kafkaSecurityOf({ ...none, ...variables }, io);
  } catch (error) {
    if (error instanceof KafkaSecurityConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('kafkaSecurityOf', () => {
  it('is plaintext without authentication when nothing is set', () => {
    expect(kafkaSecurityOf(none, fakeIo({}))).toEqual({});
  });

  it('reads the CA, client certificate and key files, with the server name and hostname check', () => {
    const io = fakeIo({ '/ca.pem': CERT, '/client.pem': CERT, '/client.key': KEY });
    const security = kafkaSecurityOf(
      {
        ...none,
        KAFKA_TLS: true,
        KAFKA_TLS_CA_FILE: '/ca.pem',
        KAFKA_TLS_CERT_FILE: '/client.pem',
        KAFKA_TLS_KEY_FILE: '/client.key',
        KAFKA_TLS_KEY_PASSWORD: 'key-pass',
        KAFKA_TLS_SERVER_NAME: 'kafka.internal',
        KAFKA_TLS_CHECK_HOSTNAME: false,
      },
      io,
    );
    expect(security).toEqual({ tls: { ca: CERT, cert: CERT, key: KEY, keyPassphrase: 'key-pass', serverName: 'kafka.internal', checkHostname: false } });
  });

  it('maps SCRAM and PLAIN credentials', () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      expect(kafkaSecurityOf({ ...none, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, fakeIo({}))).toEqual({
        sasl: { mechanism, username: 'u', password: 'p' },
      });
    }
  });

  it('makes a refreshing token source from the file or the command for OAUTHBEARER', async () => {
    const io = fakeIo({});
    const fromFile = kafkaSecurityOf({ ...none, KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: '/run/token' }, io);
    kafkaSecurityOf(
      {
        ...none,
        KAFKA_SASL_MECHANISM: 'oauthbearer',
        KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND: 'print-token --audience kafka',
        KAFKA_SASL_OAUTHBEARER_REFRESH_MS: 60_000,
      },
      io,
    );
    expect(fromFile.sasl?.mechanism).toBe('oauthbearer');
    await expect(fromFile.sasl?.mechanism === 'oauthbearer' ? fromFile.sasl.token() : undefined).resolves.toBe('token-from-fake');
    expect(io.origins).toEqual([
      { origin: { file: '/run/token' }, options: { refreshMs: 300_000 } },
      { origin: { command: 'print-token --audience kafka' }, options: { refreshMs: 60_000 } },
    ]);
  });

  it.each<[string, Partial<KafkaSecurityVariables>, string]>([
    ['TLS files without KAFKA_TLS', { KAFKA_TLS_CA_FILE: '/ca.pem' }, 'KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not true'],
    ['a certificate without its key', { KAFKA_TLS: true, KAFKA_TLS_CERT_FILE: '/ca.pem' }, 'KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together'],
    ['a missing file', { KAFKA_TLS: true, KAFKA_TLS_CA_FILE: '/nowhere.pem' }, 'KAFKA_TLS_CA_FILE names a file that cannot be read (/nowhere.pem: ENOENT)'],
    ['a key where the CA belongs', { KAFKA_TLS: true, KAFKA_TLS_CA_FILE: '/client.key' }, 'KAFKA_TLS_CA_FILE (/client.key) holds no PEM certificate'],
    [
      'credentials without a mechanism',
      { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not',
    ],
    [
      'SCRAM without a password',
      { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' },
      'KAFKA_SASL_MECHANISM=scram-sha-512 needs KAFKA_SASL_PASSWORD',
    ],
    [
      'OAUTHBEARER with both token origins',
      { KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: '/t', KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND: 'x' },
      'needs exactly one of KAFKA_SASL_OAUTHBEARER_TOKEN_FILE and KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND',
    ],
    [
      'a token file for SCRAM',
      { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: '/t' },
      'used only with KAFKA_SASL_MECHANISM=oauthbearer',
    ],
  ])('refuses %s, naming the variable', (_case, variables, problem) => {
    const io = fakeIo({ '/ca.pem': CERT, '/client.key': KEY });
    expect(problemsOf(variables, io).join('; ')).toContain(problem);
  });

  it('names every problem at once and never a secret', () => {
    const problems = problemsOf({ KAFKA_TLS_KEY_PASSWORD: 'key-secret', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'sasl-secret' });
    expect(problems).toHaveLength(2);
    expect(problems.join(' ')).not.toMatch(/key-secret|sasl-secret/);
  });
});

describe('driver options from the security settings', () => {
  const tls = { ca: CERT, serverName: 'kafka.internal', checkHostname: false };

  it('gives kafkajs ssl and sasl, leaving SNI to kafkajs unless a server name is set', async () => {
    const options = toKafkaJsSecurity({ tls: { ca: CERT, checkHostname: true }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    expect(options).toEqual({ ssl: { ca: CERT }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    const named = toKafkaJsSecurity({ tls, sasl: { mechanism: 'oauthbearer', token: () => Promise.resolve('t0k') } });
    expect(named.ssl).toMatchObject({ ca: CERT, servername: 'kafka.internal' });
    // No hostname check: any name passes, the chain is still verified by Node.
    expect((named.ssl as { checkServerIdentity: () => unknown }).checkServerIdentity()).toBeUndefined();
    const sasl = named.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe('oauthbearer');
    await expect(sasl.oauthBearerProvider()).resolves.toEqual({ value: 't0k' });
  });

  it('gives @platformatic/kafka tls, the SNI it should send and sasl with the library’s mechanism names', () => {
    expect(toSecurityOptions(undefined, ['kafka-1:9093'])).toEqual({});
    expect(toSecurityOptions({ tls: { ca: CERT }, sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } }, ['kafka-1:9093'])).toEqual({
      tls: { ca: CERT },
      tlsServerName: true,
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' },
    });
    // Addresses get no SNI (RFC 6066 names only), a configured name always.
    expect(toSecurityOptions({ tls: {} }, ['10.0.0.1:9093'])).toEqual({ tls: {} });
    expect(toSecurityOptions({ tls }, ['10.0.0.1:9093'])).toMatchObject({ tlsServerName: 'kafka.internal' });
    const token = (): Promise<string> => Promise.resolve('t0k');
    expect(toSecurityOptions({ sasl: { mechanism: 'oauthbearer', token } }, ['kafka-1:9093'])).toEqual({ sasl: { mechanism: 'OAUTHBEARER', token } });
    expect(toSecurityOptions({ sasl: { mechanism: 'plain', username: 'u', password: 'p' } }, ['kafka-1:9093']).sasl?.mechanism).toBe('PLAIN');
  });
});
