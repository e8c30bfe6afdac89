import { existsSync } from 'node:fs';
import { StopOutcome, stopProcess } from '../stack/process/process.control';
import { StackConfig } from '../stack/stack.config';
import { DownReport, bringDown } from '../stack/stack.down';
import { withStackLock } from '../stack/state/stack.lock';
import { SERVICES, ServiceName, processMarker } from './services/service.catalog';
import { clearStartedStack, readServiceRecord, readUpState, removeServiceRecord, servicesDir } from './services/service.state';
import { STOP_GRACE_MS } from './sluice.up';

export interface SluiceDownReport {
  services: Array<{ name: ServiceName; pid?: number; outcome: StopOutcome }>;
  /** Undefined when up started nothing of the stack: then the stack is left as it is. */
  stack?: DownReport;
}

/**
 * Stops the services `up` started, one by one in pipeline order (each drains its in-flight work on
 * SIGTERM; SIGKILL after the grace period), then the parts of the stack that `up` itself started.
 */
export async function bringSluiceDown(config: StackConfig): Promise<SluiceDownReport> {
  // Nothing was started from a state dir that does not exist; do not create one to find that out.
  if (!existsSync(config.stateDir)) return { services: SERVICES.map(({ name }) => ({ name, outcome: 'not-running' })) };

  const services = await withStackLock(servicesDir(config.stateDir), async () => {
    const stopped: SluiceDownReport['services'] = [];
    for (const { name } of SERVICES) {
      const record = readServiceRecord(config.stateDir, name);
      const outcome = record === undefined ? 'not-running' : await stopProcess(record.pid, processMarker(name), STOP_GRACE_MS);
      removeServiceRecord(config.stateDir, name);
      stopped.push({ name, pid: record?.pid, outcome });
    }
    return stopped;
  });

  const started = readUpState(config.stateDir)?.startedStack;
  if (started === undefined || (!started.kafka && !started.postgres)) return { services };
  const stack = await bringDown(config, started);
  clearStartedStack(config.stateDir);
  return { services, stack };
}
