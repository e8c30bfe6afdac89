import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number>;
  ports?: string[];
}

/** `${VAR:-default}` as compose reads it with VAR unset. */
function withDefaults(value: string | number): string {
  return String(value).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;

/** The port each service listens on inside the network, from its own configuration. */
function listenPort(name: string): number | undefined {
  const env = Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([key, value]) => [key, withDefaults(value)]));
  if (env.PORT !== undefined) return Number(env.PORT);
  if (env.KAFKA_LISTENERS !== undefined) return Number(/PLAINTEXT:\/\/:(\d+)/.exec(env.KAFKA_LISTENERS)?.[1]);
  if (services[name]?.image?.startsWith('postgres:')) return 5432;
  return undefined;
}

/** Every host:port a service's environment points at (URLs and broker lists), other than its own host listener. */
function addressesIn(service: ComposeService): Array<{ variable: string; host: string; port: number }> {
  const found: Array<{ variable: string; host: string; port: number }> = [];
  for (const [variable, raw] of Object.entries(service.environment ?? {})) {
    if (variable === 'KAFKA_ADVERTISED_LISTENERS' || variable === 'KAFKA_LISTENERS' || variable === 'KAFKA_CONTROLLER_QUORUM_VOTERS') continue;
    const value = withDefaults(raw);
    for (const match of value.matchAll(/(?:^|[/@,])([a-z][a-z0-9-]*):(\d{2,5})(?=$|[/,])/g)) found.push({ variable, host: match[1]!, port: Number(match[2]) });
  }
  return found;
}

describe('docker-compose.yml', () => {
  it('points every service at a service of the file, on the port that service listens on', () => {
    const addresses = Object.entries(services).flatMap(([name, service]) => addressesIn(service).map((address) => ({ name, ...address })));
    expect(addresses.length).toBeGreaterThan(10);
    for (const { name, variable, host, port } of addresses) {
      expect({ name, variable, host, known: host in services }).toEqual({ name, variable, host, known: true });
      expect({ name, variable, host, port }).toEqual({ name, variable, host, port: listenPort(host) });
    }
  });

  it('has every service that others or the host reach listen on all interfaces inside its container', () => {
    const reached = new Set(Object.values(services).flatMap((service) => addressesIn(service).map(({ host }) => host)));
    for (const [name, service] of Object.entries(services)) {
      if (!reached.has(name) && (service.ports ?? []).length === 0) continue;
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, withDefaults(value)]));
      // Nest services listen on every interface unless told otherwise; the emulator's own default is loopback.
      const listen = name === 'provider-emulator' ? env.EMULATOR_HOST : (env.HOST ?? '0.0.0.0');
      expect({ name, listen }).toEqual({ name, listen: '0.0.0.0' });
    }
  });

  it('publishes host ports on loopback only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const mapping of service.ports ?? [])
        expect({ name, mapping: withDefaults(mapping) }).toEqual({ name, mapping: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) as unknown });
    }
  });
});
