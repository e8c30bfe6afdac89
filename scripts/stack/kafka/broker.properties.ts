import { LocalBrokerEndpoint } from './broker.endpoint';

export type PropertyEntries = Array<[string, string | number]>;

/**
 * What any single-node combined broker+controller needs besides its listeners: a static quorum, so
 * `StorageTool format` needs no --standalone flag; replication factors of 1 because there is one node;
 * topic auto-creation off because every topic comes from deploy/kafka/topics.json and a typo must
 * fail, not create a topic. The caller adds `listeners`, `advertised.listeners`, the protocol map and
 * the inter-broker listener, whose names must include CONTROLLER on `controllerPort`.
 */
export function singleNodeEntries(options: { controllerHost: string; controllerPort: number; logDir: string }): PropertyEntries {
  return [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@${options.controllerHost}:${options.controllerPort}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['log.dirs', options.logDir],
    ['num.partitions', 1],
    ['auto.create.topics.enable', 'false'],
    ['offsets.topic.replication.factor', 1],
    ['offsets.topic.num.partitions', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    ['group.initial.rebalance.delay.ms', 0],
  ];
}

export function renderProperties(entries: PropertyEntries): string {
  return entries.map(([key, value]) => `${key}=${escapeValue(String(value))}`).join('\n') + '\n';
}

/** The local stack's broker: the single-node base with one PLAINTEXT listener for clients and itself. */
export function renderServerProperties(endpoint: LocalBrokerEndpoint, logDir: string): string {
  const { host, port, controllerPort } = endpoint;
  return renderProperties([
    ...singleNodeEntries({ controllerHost: host, controllerPort, logDir }),
    ['listeners', `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${host}:${port}`],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
  ]);
}

// java.util.Properties treats backslashes as escapes; a Windows-style or odd path must survive.
function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\');
}

/**
 * Quiet by default (the broker is chatty at info), but the lines that say the server started or
 * why the broker is fenced stay visible in broker.log.
 */
export function renderLog4j2Properties(): string {
  return [
    'status = warn',
    'appender.out.type = Console',
    'appender.out.name = OUT',
    'appender.out.layout.type = PatternLayout',
    'appender.out.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = warn',
    'rootLogger.appenderRef.out.ref = OUT',
    'logger.server.name = kafka.server.KafkaRaftServer',
    'logger.server.level = info',
    'logger.lifecycle.name = kafka.server.BrokerLifecycleManager',
    'logger.lifecycle.level = info',
    '',
  ].join('\n');
}

/**
 * Kafka cluster ids are 16 random bytes in unpadded base64url: 22 characters. One in 64 would start
 * with '-', which kafka-storage's argument parser takes for an option (Kafka's own random-uuid avoids
 * it too): clearing the top bit keeps the first character in A-Za-f.
 */
export function newClusterId(randomBytes: Buffer): string {
  if (randomBytes.length !== 16) throw new Error('a cluster id needs 16 random bytes');
  const bytes = Buffer.from(randomBytes);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('base64url');
}
