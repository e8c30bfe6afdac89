import { INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigClass, ConfigValidationError, SluiceConfig } from '@sluice/config';
import { Topics } from '@sluice/contracts';
import { BulkValve, MessageAuthentication, MessageSigner, SluiceKafkaTransport } from '@sluice/kafka';
import type { Server } from 'node:http';
import { setPriority } from 'node:os';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { ConsumerHealthRegistry } from '../health/consumer-health.registry';
import { ReadinessState } from '../health/readiness.state';
import { createRootLogger } from '../logging/logger.options';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { unauthenticatedMessagesCounter } from '../metrics/unauthenticated-messages.counter';
import { ROOT_LOGGER } from '../logging/logging.tokens';
import { ConsumedTopics, topicContracts } from './consumed.topics';
import { serviceKafkaClient } from './service-kafka.client';
import { runShutdown, ShutdownStep } from './shutdown.sequence';
import { SluiceServiceModule } from './service.module';

export interface ServiceDefinition<C extends SluiceConfig> {
  /** Short service name (`router`): the `service` field of logs and the `service` label of metrics. */
  name: string;
  /** The service's composition root: its consumers, controllers and use cases. */
  module: Type<unknown>;
  config: ConfigClass<C>;
  /** What the service consumes; each topic needs an `@EventPattern` handler. Empty for an HTTP-only service. */
  consumes: ConsumedTopics;
  /**
   * Body handling of the HTTP application, as Nest's options name it: `bodyParser: false` leaves out
   * Nest's default JSON and urlencoded parsers (a service adds its own in `configure`), `rawBody: true`
   * keeps each parsed body's bytes as `req.rawBody`.
   */
  http?: Pick<NestApplicationOptions, 'bodyParser' | 'rawBody'>;
  /**
   * Setup only the application object offers (body parsers, Swagger, global enhancers), run once the
   * application is created, before the consumer starts and before it listens. Not later: Nest adds
   * its default body parsers, the routes and the catch-all 404 when the application initialises (on
   * listen), so a parser added after that would see bodies already parsed with the defaults, and a
   * route would sit behind the 404.
   */
  configure?(app: NestExpressApplication): void | Promise<void>;
}

/**
 * Starts a Sluice service: validates its environment (exit 1 naming each wrong variable), builds the
 * Nest application with JSON logging, metrics, health, the database pool and the Kafka producer,
 * runs the service's `configure`, connects the Kafka transport when the service consumes topics, and
 * listens on PORT. On SIGTERM or SIGINT it shuts down in dependency order within SHUTDOWN_TIMEOUT_MS: stop taking work, stop
 * consuming (in-flight messages finish and are committed), stop serving HTTP, then Nest's hooks close
 * the producer and finally the database. It exits 0 when all of that finished in time, 1 otherwise.
 */
export async function bootstrapService<C extends SluiceConfig>(definition: ServiceDefinition<C>): Promise<void> {
  const { name, module, config: configClass, consumes, http } = definition;
  let serviceModule;
  try {
    serviceModule = SluiceServiceModule.forRoot({ name, config: configClass });
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    createRootLogger(name, 'info').fatal({ problems: error.problems }, error.message);
    // No handle is open yet, so the process ends by itself and pino flushes on the way out.
    process.exitCode = 1;
    return;
  }

  let log: Logger | undefined;
  try {
    // The application's own module, extended with the shared service module, is the root.
    const app = await NestFactory.create<NestExpressApplication>({ module, imports: [serviceModule] }, { ...http, bufferLogs: true, abortOnError: false });
    app.useLogger(app.get(NestPinoLogger));
    log = app.get<Logger>(ROOT_LOGGER);
    const config = app.get(SluiceConfig);
    if (config.NICENESS > 0) setPriority(config.NICENESS);
    await definition.configure?.(app);
    const consumer = Object.keys(consumes).length > 0 ? connectConsumer(app, config, consumes, log) : undefined;
    watchSignals(app, consumer, config.SHUTDOWN_TIMEOUT_MS, log);
    await app.startAllMicroservices();
    await app.listen(config.PORT);
    log.info({ port: config.PORT, consumes: Object.keys(consumes) }, 'service started');
  } catch (error) {
    (log ?? createRootLogger(name, 'info')).fatal({ err: error }, 'service failed to start');
    process.exit(1);
  }
}

/**
 * The consumer session of a service's groups. Shorter than Kafka's 45 s default and kafkajs' 30 s: a
 * killed copy's partitions, urgent ones included, wait this long for the survivors to take them, and
 * the runner keeps beating while handlers work, so a slow handler does not end the session.
 */
export function consumerSessionOf(config: Pick<SluiceConfig, 'KAFKA_SESSION_TIMEOUT_MS' | 'KAFKA_HEARTBEAT_INTERVAL_MS'>): {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
} {
  if (config.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > config.KAFKA_SESSION_TIMEOUT_MS) {
    throw new ConfigValidationError([
      `KAFKA_HEARTBEAT_INTERVAL_MS (${config.KAFKA_HEARTBEAT_INTERVAL_MS}) must be at most a third of KAFKA_SESSION_TIMEOUT_MS (${config.KAFKA_SESSION_TIMEOUT_MS}), or a missed heartbeat or two ends the session`,
    ]);
  }
  return { sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS, heartbeatIntervalMs: config.KAFKA_HEARTBEAT_INTERVAL_MS };
}

function connectConsumer(app: INestApplication, config: SluiceConfig, consumes: ConsumedTopics, log: Logger): SluiceKafkaTransport {
  const groupId = config.KAFKA_GROUP_ID;
  if (groupId === undefined) throw new ConfigValidationError(['KAFKA_GROUP_ID is required by a service that consumes (not set)']);
  const transport = new SluiceKafkaTransport({
    client: serviceKafkaClient(config, log),
    groupId,
    contracts: topicContracts(consumes),
    onlyGroups: config.KAFKA_CONSUMER_GROUPS,
    valve: app.get(BulkValve),
    // In-flight handlers get half the shutdown budget; the rest is for HTTP, the producer and the database.
    consumer: {
      shutdownTimeoutMs: Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2),
      session: consumerSessionOf(config),
      authentication: internalAuthentication(Object.keys(consumes), app.get(MessageSigner), app.get(MetricsRegistry)),
    },
  });
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  assertHandlersMatch(Object.keys(consumes), [...transport.getHandlers().keys()]);
  app.get(ConsumerHealthRegistry).register(groupId, transport);
  return transport;
}

// Tenants' producers write these; everything else a service consumes only Sluice's services write.
const INTAKE_TOPICS: readonly string[] = [Topics.Requests, Topics.RequestsBulk];

/** Every consumed topic but the intake must carry its services' signature; what does not is dead-lettered and counted. */
export function internalAuthentication(consumed: readonly string[], signer: MessageSigner, metrics: MetricsRegistry): MessageAuthentication {
  const refused = unauthenticatedMessagesCounter(metrics);
  return {
    signer,
    topics: consumed.filter((topic) => !INTAKE_TOPICS.includes(topic)),
    onRefused: (topic, code) => refused.inc({ topic, code }),
  };
}

/** The transport subscribes to whatever has a handler; the declared topics and the handlers must agree. */
function assertHandlersMatch(declared: readonly string[], handled: readonly string[]): void {
  const unhandled = declared.filter((topic) => !handled.includes(topic));
  const undeclared = handled.filter((topic) => !declared.includes(topic));
  if (unhandled.length > 0 || undeclared.length > 0) {
    throw new Error(
      `consumed topics and @EventPattern handlers disagree: no handler for [${unhandled.join(', ')}], not declared in consumes: [${undeclared.join(', ')}]`,
    );
  }
}

function closeHttpServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

function watchSignals(app: INestApplication, consumer: SluiceKafkaTransport | undefined, timeoutMs: number, log: Logger): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    // Back to the default handlers: a second signal kills at once, the operator's way out of a hung drain.
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    void shutDown(app, consumer, signal, timeoutMs, log);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function shutDown(
  app: INestApplication,
  consumer: SluiceKafkaTransport | undefined,
  signal: NodeJS.Signals,
  timeoutMs: number,
  log: Logger,
): Promise<void> {
  log.info({ signal, timeoutMs }, 'shutting down');
  const steps: ShutdownStep[] = [
    { name: 'readiness', run: () => app.get(ReadinessState).drain() },
    // The transport itself, not its Nest microservice wrapper: closing the wrapper would run the
    // application's shutdown hooks (producer, database) before the HTTP server has drained.
    { name: 'kafka consumer', run: () => consumer?.close() },
    { name: 'http server', run: () => closeHttpServer(app.getHttpServer() as Server) },
    // Nest's hooks: the producer disconnects, then the database pool ends (see SluiceServiceModule).
    { name: 'application', run: () => app.close() },
  ];
  const outcome = await runShutdown(steps, timeoutMs, {
    stepStarted: (step) => log.debug({ step }, 'shutdown step'),
    stepFailed: (step, error) => log.error({ step, err: error }, 'shutdown step failed'),
  });
  if (outcome.status === 'completed') {
    log.info('stopped');
    process.exit(0);
  }
  if (outcome.status === 'timed-out') log.fatal({ step: outcome.step, timeoutMs }, 'shutdown deadline passed; forcing exit');
  process.exit(1);
}
