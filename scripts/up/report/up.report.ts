import { relative } from 'node:path';
import { redactUrl } from '../../stack/postgres/database.url';
import { instanceId } from '../services/service.catalog';
import { SluiceDownReport } from '../sluice.down';
import { ServiceAction, SluiceUpReport } from '../sluice.up';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
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
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd());
}

function shown(path: string, repoRoot: string): string {
  const inside = relative(repoRoot, path);
  return inside.startsWith('..') ? path : inside;
}

export function formatSluiceUp(report: SluiceUpReport, repoRoot: string, stateDir: string): string {
  const { stack, supervisor } = report;
  const rows = [
    ['service', 'url', 'pid', 'state', 'log'],
    ...report.services.map((service) => [
      instanceId(service),
      `http://127.0.0.1:${service.port}`,
      String(service.pid),
      ACTION_TEXT[service.action],
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
    `  Stop        npm run down   (the supervisor, the services above, then only what of the stack npm run up started)`,
  ].join('\n');
}

export function formatSluiceDown(report: SluiceDownReport, stateDir: string): string {
  const say = (outcome: string): string =>
    outcome === 'not-running' ? 'not running' : outcome === 'killed' ? 'killed (did not stop in time)' : 'stopped';
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
