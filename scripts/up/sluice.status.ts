import { isOurProcess } from '../stack/process/process.control';
import { StackConfig } from '../stack/stack.config';
import { SERVICES, processMarker } from './services/service.catalog';
import { readHealth } from './services/service.health';
import { ServiceRecord, readServiceRecords, supervisorLogFile } from './services/service.state';
import { runningSupervisorPid } from './supervisor/supervisor.client';

export interface SluiceStatus {
  /** Absent when no supervisor runs: then nothing restarts a service that exits. */
  supervisor?: { pid: number; logFile: string };
  /** Every recorded process, in pipeline order, and whether it runs now; `health` once asked (withHealth). */
  services: Array<{ record: ServiceRecord; running: boolean; health?: string }>;
}

/** Looks without touching: what `npm run up` started, what of it runs, and what the supervisor restarted. */
export function describeSluice(config: StackConfig): SluiceStatus {
  const pid = runningSupervisorPid(config.stateDir);
  return {
    ...(pid !== undefined && { supervisor: { pid, logFile: supervisorLogFile(config.stateDir) } }),
    services: SERVICES.flatMap(({ name }) =>
      readServiceRecords(config.stateDir, name).map((record) => ({ record, running: isOurProcess(record.pid, processMarker(name)) })),
    ),
  };
}

/** Adds what each running process's `GET /health` says, asked of all at once. */
export async function withHealth(status: SluiceStatus): Promise<SluiceStatus> {
  const services = await Promise.all(
    status.services.map(async (service) => (service.running ? { ...service, health: await readHealth(service.record.port) } : { ...service, health: '-' })),
  );
  return { ...status, services };
}
