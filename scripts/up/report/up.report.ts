import { relative } from 'node:path';
import { redactUrl } from '../../stack/postgres/database.url';
import { instanceId } from '../services/service.catalog';
import { ServiceExit, instanceOf } from '../services/service.state';
import { SluiceDownReport } from '../sluice.down';
import { SluiceStatus } from '../sluice.status';
import { ServiceAction, SluiceUpReport } from '../sluice.up';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** 8 s, 5 min, 3 h: how long ago, or how soon, at a glance. */
function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** `code 1 after 2.1 s, 3 min ago`, `SIGKILL after 40 min, 8 s ago`: the exit, the run it ended, and when. */
export function lastExitText(exit: ServiceExit | undefined, nowMs: number): string {
  if (exit === undefined) return '-';
  const how = exit.signal ?? `code ${exit.code}`;
  const run = exit.uptimeMs < 10_000 ? `${(exit.uptimeMs / 1000).toFixed(1)} s` : span(exit.uptimeMs);
  return `${how} after ${run}, ${span(nowMs - Date.parse(exit.at))} ago`;
}

const ACTION_TEXT: Record<ServiceAction, string> = {
  started: 'started',
  restarted: 'restarted (new bundle)',
  resupervised: 'restarted (under the supervisor)',
  running: 'already running',
};

/** Pads each column to its widest cell; the last column is left ragged. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function shown(path: string, repoRoot: string): string {
  const inside = relative(repoRoot, path);
  return inside.startsWith('..') ? path : inside;
}

export function formatSluiceUp(report: SluiceUpReport, repoRoot: string, stateDir: string, nowMs = Date.now()): string {
  const { stack, supervisor } = report;
  const rows = [
    ['service', 'url', 'pid', 'state', 'restarts', 'last exit', 'log'],
    ...report.services.map((service) => [
      instanceId(service),
      `http://127.0.0.1:${service.port}`,
      String(service.pid),
      ACTION_TEXT[service.action],
      String(service.restarts),
      lastExitText(service.lastExit, nowMs),
      shown(service.logFile, repoRoot),
    ]),
  ];
  const kafka = `${stack.kafka.brokers} (${stack.kafka.origin === 'external' ? 'already running, not ours' : stack.kafka.origin === 'started' ? 'started now' : 'ours, already running'})`;
  const postgres = `${redactUrl(stack.postgres.url)} (${stack.postgres.origin})`;
  return [
    `Sluice is up (${seconds(report.elapsedMs)})${report.built.length > 0 ? `; built: ${report.built.join(', ')}` : ''}`,
    '',
    ...table(rows).map((line) => `  ${line}`),
    '',
    `  Kafka       ${kafka}`,
    `  PostgreSQL  ${postgres}`,
    `  Health      GET <url>/health/ready, metrics at <url>/metrics`,
    `  Try it      POST http://127.0.0.1:${report.services.find((s) => s.name === 'ingestion')?.port ?? 3000}/v1/requests, or produce to sluice.requests.v1`,
    `  Supervisor  pid ${supervisor.pid} (${supervisor.started ? 'started now' : 'already running'}): restarts a service that exits; log ${shown(supervisor.logFile, repoRoot)}`,
    `  Logs        ${shown(stateDir, repoRoot)}/logs/<service>.log, <service>-<copy>.log for further copies, <service>-bulk.log   (tail -f ${shown(stateDir, repoRoot)}/logs/*.log)`,
    `  Status      npm run up:status   (what runs, restarts and last exits)`,
    `  Stop        npm run down   (the supervisor, the services above, then only what of the stack npm run up started)`,
  ].join('\n');
}

function stateText(running: boolean, restartAt: string | undefined, supervised: boolean, nowMs: number): string {
  if (running) return 'running';
  if (!supervised) return 'down';
  return restartAt === undefined ? 'down, restarting' : `down, restart in ${span(Date.parse(restartAt) - nowMs)}`;
}

export function formatSluiceStatus(status: SluiceStatus, repoRoot: string, stateDir: string, nowMs = Date.now()): string {
  const supervised = status.supervisor !== undefined;
  // The health column only when it was asked for: a status read without touching the services has none.
  const withHealth = status.services.some((service) => service.health !== undefined);
  const rows = [
    ['service', 'url', 'pid', 'state', ...(withHealth ? ['health'] : []), 'restarts', 'last exit', 'log'],
    ...status.services.map(({ record, running, health }) => [
      instanceId(instanceOf(record)),
      `http://127.0.0.1:${record.port}`,
      String(record.pid),
      stateText(running, record.restartAt, supervised, nowMs),
      ...(withHealth ? [health ?? '-'] : []),
      String(record.restarts ?? 0),
      lastExitText(record.lastExit, nowMs),
      shown(record.logFile, repoRoot),
    ]),
  ];
  const supervisor = status.supervisor;
  return [
    `Sluice (state: ${shown(stateDir, repoRoot) || '.'})`,
    '',
    ...(status.services.length === 0 ? ['  no services: npm run up starts them'] : table(rows).map((line) => `  ${line}`)),
    '',
    supervisor === undefined
      ? '  Supervisor  not running: a service that exits stays down (npm run up starts it again, and the supervisor)'
      : `  Supervisor  pid ${supervisor.pid}: restarts a service that exits; log ${shown(supervisor.logFile, repoRoot)}`,
    ...(withHealth
      ? ['  Health      degraded: a dependency is down or work waits for one; the service carries on when it is back (why: GET <url>/health)']
      : []),
  ].join('\n');
}

export function formatSluiceDown(report: SluiceDownReport, stateDir: string): string {
  const say = (outcome: string): string => (outcome === 'not-running' ? 'not running' : outcome === 'killed' ? 'killed (did not stop in time)' : 'stopped');
  const rows = [
    ['service', 'pid', 'outcome'],
    ['supervisor', report.supervisor.pid === undefined ? '-' : String(report.supervisor.pid), say(report.supervisor.outcome)],
    ...report.services.map((s) => [s.name, s.pid === undefined ? '-' : String(s.pid), say(s.outcome)]),
  ];
  const stack = report.stack;
  const stackLines =
    stack === undefined
      ? ['  Stack    Kafka and PostgreSQL were not started by npm run up: left running (npm run stack:down stops what stack:up started)']
      : [
          `  Kafka       ${stack.kafka === undefined ? 'not started by npm run up: left running' : say(stack.kafka)}`,
          `  PostgreSQL  ${stack.postgres === undefined ? 'not started by npm run up: left running' : say(stack.postgres)}`,
        ];
  return [`Sluice is down (state: ${stateDir})`, '', ...table(rows).map((line) => `  ${line}`), '', ...stackLines].join('\n');
}
