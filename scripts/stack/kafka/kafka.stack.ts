import { existsSync, readFileSync } from 'node:fs';
import { LocalBrokerEndpoint, localBrokerEndpoint } from './broker.endpoint';
import { awaitBrokerReady, brokerFiles, runningBrokerPid, startBroker, stopBroker, wipeBrokerData } from './broker.process';
import { renderServerProperties } from './broker.properties';
import { probeKafka } from './kafka.admin';
import { ensureKafkaJars } from './kafka.jars';
import { KafkaOrigin } from '../state/stack.state';
import { StackConfig } from '../stack.config';

export interface KafkaReady {
  brokers: string;
  origin: KafkaOrigin;
  pid?: number;
  logFile?: string;
  dataDir?: string;
  /** Milliseconds from formatting (when needed) to a broker serving metadata, when we started one now. */
  startMs?: number;
  jarsResolved?: boolean;
}

export interface EnsureKafkaOptions {
  fresh: boolean;
  readyTimeoutMs: number;
  log: (line: string) => void;
}

// Our running broker may be listening elsewhere than KAFKA_BROKERS now asks (the variable changed).
function listensAt(endpoint: LocalBrokerEndpoint, serverProperties: string, dataDir: string): boolean {
  return existsSync(serverProperties) && readFileSync(serverProperties, 'utf8') === renderServerProperties(endpoint, dataDir);
}

/**
 * A Kafka broker answering at KAFKA_BROKERS: whatever already answers there is used as is; only
 * when nothing does, and the address is a loopback one, do we start a broker of our own.
 */
export async function ensureKafka(config: StackConfig, options: EnsureKafkaOptions): Promise<KafkaReady> {
  const files = brokerFiles(config.stateDir);
  const brokers = config.kafkaBrokers;
  const endpoint = localBrokerEndpoint(brokers);
  let ourPid = runningBrokerPid(files);

  if (options.fresh) {
    if (ourPid !== undefined) {
      options.log(`--fresh: stopping our broker (pid ${ourPid}) to wipe its data`);
      await stopBroker(files, 30_000);
      ourPid = undefined;
    }
    wipeBrokerData(files);
  }

  if (ourPid !== undefined && endpoint !== undefined && !listensAt(endpoint, files.serverProperties, files.dataDir)) {
    options.log(`our broker (pid ${ourPid}) listens elsewhere than ${brokers}: restarting it there`);
    await stopBroker(files, 30_000);
    ourPid = undefined;
  }

  const answering = await probeKafka(brokers);
  if (answering !== undefined) {
    if (options.fresh && ourPid === undefined) options.log(`--fresh: Kafka at ${brokers} is not ours; its topics and data are left alone`);
    return ourPid !== undefined ? { brokers, origin: 'ours', pid: ourPid, logFile: files.logFile, dataDir: files.dataDir } : { brokers, origin: 'external' };
  }

  if (endpoint === undefined) {
    throw new Error(`no Kafka answers at KAFKA_BROKERS=${brokers}, and that is not a single loopback address, so no broker is started in its place`);
  }

  if (ourPid !== undefined) {
    options.log(`waiting for our broker (pid ${ourPid}) to become ready`);
    await awaitBrokerReady(ourPid, endpoint, files, options.readyTimeoutMs);
    return { brokers, origin: 'ours', pid: ourPid, logFile: files.logFile, dataDir: files.dataDir };
  }

  const jars = await ensureKafkaJars(config.kafkaPom, config.kafkaClasspathFile);
  if (jars.resolved) options.log(`resolved the Kafka jars with Maven into ${config.kafkaClasspathFile}`);
  options.log(`starting a KRaft broker at ${brokers} (log: ${files.logFile})`);
  const started = Date.now();
  const pid = await startBroker({ classpath: jars.classpath, endpoint, files, readyTimeoutMs: options.readyTimeoutMs });
  return {
    brokers,
    origin: 'started',
    pid,
    logFile: files.logFile,
    dataDir: files.dataDir,
    startMs: Date.now() - started,
    jarsResolved: jars.resolved,
  };
}

export async function stopOurKafka(config: StackConfig): Promise<'not-running' | 'stopped' | 'killed'> {
  return stopBroker(brokerFiles(config.stateDir), 30_000);
}
