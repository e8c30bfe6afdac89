export interface LocalBrokerEndpoint {
  /** The host as written in KAFKA_BROKERS, used for listeners so clients reach it by the same name. */
  host: string;
  port: number;
  /** The KRaft controller listens next to the broker: broker port + 1. */
  controllerPort: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function brokerList(brokers: string): string[] {
  return brokers
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

/**
 * The broker we may start ourselves: only when KAFKA_BROKERS names exactly one loopback address.
 * Anything else is somebody's cluster, which we use or report unreachable but never impersonate.
 */
export function localBrokerEndpoint(brokers: string): LocalBrokerEndpoint | undefined {
  const list = brokerList(brokers);
  if (list.length !== 1) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(list[0]);
  if (!match) return undefined;
  const [, host, rawPort] = match;
  const port = Number(rawPort);
  if (!LOOPBACK_HOSTS.has(host) || port < 1 || port > 65534) return undefined;
  return { host, port, controllerPort: port + 1 };
}
