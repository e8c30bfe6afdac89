import { existsSync } from 'node:fs';
import { StopOutcome, stopProcess } from '../stack/process/process.control';
import { StackConfig } from '../stack/stack.config';
import { DownReport, bringDown } from '../stack/stack.down';
import { withStackLock } from '../stack/state/stack.lock';
import { SERVICES, instanceId, processMarker } from './services/service.catalog';
import { clearStartedStack, instanceOf, readServiceRecords, readUpState, removeServiceRecord, servicesDir } from './services/service.state';
import { STOP_GRACE_MS } from './sluice.up';
import { stopSupervisor } from './supervisor/supervisor.client';

export interface SluiceDownReport {
  /** One entry per copy that was recorded (`router`, `router-2`), or per service that was not running. */
  services: Array<{ name: string; pid?: number; outcome: StopOutcome }>;
  supervisor: { pid?: number; outcome: StopOutcome };
  /** Undefined when up started nothing of the stack: then the stack is left as it is. */
  stack?: DownReport;
}

/**
 * Stops the supervisor, so that nothing stopped next is restarted, then the services `up` started,
 * one by one in pipeline order (each drains its in-flight work on SIGTERM; SIGKILL after the grace
 * period), then the parts of the stack that `up` itself started.
 */
export async function bringSluiceDown(config: StackConfig): Promise<SluiceDownReport> {
  // Nothing was started from a state dir that does not exist; do not create one to find that out.
  if (!existsSync(config.stateDir)) {
    return { services: SERVICES.map(({ name }) => ({ name, outcome: 'not-running' })), supervisor: { outcome: 'not-running' } };
  }

  const { services, supervisor } = await withStackLock(servicesDir(config.stateDir), async () => {
    const supervisor = await stopSupervisor(config.stateDir);
    const stopped: SluiceDownReport['services'] = [];
    for (const { name } of SERVICES) {
      const records = readServiceRecords(config.stateDir, name);
      if (records.length === 0) stopped.push({ name, outcome: 'not-running' });
      // The copies of one service drain at the same time: they share its consumer groups.
      const outcomes = await Promise.all(records.map((record) => stopProcess(record.pid, processMarker(name), STOP_GRACE_MS)));
      records.forEach((record, index) => {
        const instance = instanceOf(record);
        removeServiceRecord(config.stateDir, instance);
        stopped.push({ name: instanceId(instance), pid: record.pid, outcome: outcomes[index]! });
      });
    }
    return { services: stopped, supervisor };
  });

  const started = readUpState(config.stateDir)?.startedStack;
  if (started === undefined || (!started.kafka && !started.postgres)) return { services, supervisor };
  const stack = await bringDown(config, started);
  clearStartedStack(config.stateDir);
  return { services, supervisor, stack };
}
