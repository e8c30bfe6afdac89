import { KafkaReady } from '../kafka/kafka.stack';
import { TopicDefinition } from '../kafka/topics.definition';
import { TopicPlan, describeAction } from '../kafka/topics.plan';
import { redactUrl } from '../postgres/database.url';
import { PostgresReady } from '../postgres/postgres.stack';
import { DownReport } from '../stack.down';
import { ProvisionOutcome } from '../stack.provision';
import { StatusReport } from '../stack.status';
import { UpReport } from '../stack.up';
import { stateFile } from '../state/stack.state';

const LABEL_WIDTH = 12;

function row(label: string, ...lines: string[]): string[] {
  const [first = '', ...more] = lines;
  return [`  ${label.padEnd(LABEL_WIDTH)}${first}`, ...more.map((line) => `  ${''.padEnd(LABEL_WIDTH)}${line}`)];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function kafkaLine(kafka: KafkaReady): string[] {
  switch (kafka.origin) {
    case 'started':
      return [
        `${kafka.brokers}  started now (pid ${kafka.pid}, format + start ${seconds(kafka.startMs ?? 0)}${kafka.jarsResolved ? ', jars resolved by Maven' : ''})`,
        `log: ${kafka.logFile}`,
      ];
    case 'ours':
      return [`${kafka.brokers}  already running, started earlier by stack:up (pid ${kafka.pid})`, `log: ${kafka.logFile}`];
    case 'external':
      return [`${kafka.brokers}  already running, not started by us (stack:down leaves it alone)`];
  }
}

function postgresLine(postgres: PostgresReady): string[] {
  const url = redactUrl(postgres.url);
  const created = postgres.databaseCreated ? ' (database created)' : '';
  switch (postgres.origin) {
    case 'started':
      return [`${url}  embedded, started now (pid ${postgres.pid})${created}`, `log: ${postgres.logFile}`];
    case 'ours':
      return [`${url}  embedded, already running, started earlier by stack:up (pid ${postgres.pid})${created}`, `log: ${postgres.logFile}`];
    case 'DATABASE_URL':
      return [`${url}  from DATABASE_URL, not started by us${created}`];
    case 'local server':
      return [`${url}  the server on localhost, not started by us${created}`];
  }
}

/** One line per topic that needed work, then the drift no provisioning can repair. */
function topicLines(definitions: number, report: { plan: TopicPlan; applied: string[] }): string[] {
  const { plan, applied } = report;
  const summary = `${definitions} defined: ${plan.unchanged.length} already as defined, ${applied.length} change(s) applied, ${plan.drift.length} drift`;
  return [summary, ...applied.map((step) => `- ${step}`), ...plan.drift.map((d) => `! ${d.name} ${d.reason}`)];
}

function migrationLines(migrations: { applied: string[]; current: string[] }): string[] {
  const now = migrations.applied.length > 0 ? `applied now: ${migrations.applied.join(', ')}` : 'nothing to apply';
  return [`${now}; schema at ${migrations.current.at(-1) ?? '(empty)'} (${migrations.current.length} in place)`];
}

function envLine(report: UpReport): string {
  const url = report.postgres.url;
  const database = redactUrl(url) === url ? ` DATABASE_URL=${url}` : ' (DATABASE_URL as you set it)';
  return `export KAFKA_BROKERS=${report.kafka.brokers}${database}`;
}

export function formatUp(report: UpReport, stateDir: string, definitions: number): string {
  const ours = [
    report.kafka.origin !== 'external' ? `Kafka (pid ${report.kafka.pid})` : undefined,
    report.postgres.origin === 'started' || report.postgres.origin === 'ours' ? `PostgreSQL (pid ${report.postgres.pid})` : undefined,
  ].filter((item): item is string => item !== undefined);
  return [
    `Sluice stack is up (${seconds(report.elapsedMs)})`,
    ...row('Kafka', ...kafkaLine(report.kafka)),
    ...row('Topics', ...topicLines(definitions, report.topics)),
    ...row('PostgreSQL', ...postgresLine(report.postgres)),
    ...row('Migrations', ...migrationLines(report.migrations)),
    ...row('State', `${stateFile(stateDir)}`),
    ...row('Use it', envLine(report)),
    ...row(
      'Stop',
      ours.length > 0
        ? `npm run stack:down  (stops ${ours.join(' and ')}; nothing else)`
        : 'nothing to stop: every service was already running and is not ours',
    ),
  ].join('\n');
}

export function formatProvision(outcome: ProvisionOutcome, definitions: number): string {
  return [
    'Sluice provisioning done',
    ...row('Topics', ...topicLines(definitions, outcome.topics)),
    ...row('Migrations', ...migrationLines(outcome.migrations)),
  ].join('\n');
}

export function formatDown(report: DownReport, stateDir: string): string {
  const say = (what: string, outcome: string | undefined): string =>
    outcome === 'not-running' ? `${what}: not running, nothing to stop` : `${what}: ${outcome === 'killed' ? 'killed (did not stop in time)' : 'stopped'}`;
  return [
    `Sluice stack down (state: ${stateDir})`,
    ...row('Kafka', say('our broker', report.kafka)),
    ...row('PostgreSQL', say('our embedded server', report.postgres)),
    ...row('', 'services not started by stack:up were left running'),
  ].join('\n');
}

function topicStatusLines(definitions: readonly TopicDefinition[], plan: TopicPlan): string[] {
  const missing = plan.actions.filter((a) => a.kind === 'create').length;
  const head = `${definitions.length - missing}/${definitions.length} present, ${plan.unchanged.length} exactly as defined`;
  const pending = plan.actions.map((action) => `~ ${describeAction(action)} (stack:up would do this)`);
  return [head, ...pending, ...plan.drift.map((d) => `! ${d.name} ${d.reason}`)];
}

export function formatStatus(status: StatusReport, stateDir: string, definitions: readonly TopicDefinition[]): string {
  const { kafka, postgres } = status;
  const kafkaLines = kafka.cluster
    ? [
        `${kafka.brokers}  running (cluster ${kafka.cluster.clusterId}), ${
          kafka.ourPid !== undefined ? `started by stack:up (pid ${kafka.ourPid})` : 'not started by us'
        }`,
      ]
    : [`${kafka.brokers}  not answering${kafka.ourPid !== undefined ? `; our broker (pid ${kafka.ourPid}) runs but does not answer there` : ''}`];
  if (kafka.ourPid !== undefined) kafkaLines.push(`log: ${kafka.logFile}`);

  const topics =
    status.topics === undefined
      ? ['unknown (Kafka not answering)']
      : status.topics.ok
        ? topicStatusLines(definitions, status.topics.value)
        : [`cannot inspect: ${status.topics.error}`];

  const origin =
    postgres.origin === 'ours'
      ? `embedded, started by stack:up (pid ${postgres.ourPid})`
      : postgres.origin === 'DATABASE_URL'
        ? 'from DATABASE_URL, not started by us'
        : 'the server on localhost, not started by us';
  const postgresLines =
    postgres.url === undefined
      ? ['none answering (stack:up would start an embedded server)']
      : [`${redactUrl(postgres.url)}  ${postgres.reachable ? 'reachable' : `NOT reachable (${postgres.reason})`}, ${origin}`];
  if (postgres.ourPid !== undefined) postgresLines.push(`log: ${postgres.logFile}`);

  const migrations =
    status.migrations === undefined
      ? ['unknown (database not reachable)']
      : status.migrations.ok
        ? [
            `${status.migrations.value.applied.length} applied${status.migrations.value.applied.length ? ` (${status.migrations.value.applied.join(', ')})` : ''}, ${
              status.migrations.value.pending.length
            } pending${status.migrations.value.pending.length ? ` (${status.migrations.value.pending.join(', ')})` : ''}`,
          ]
        : [`cannot read: ${status.migrations.error}`];

  return [
    `Sluice stack status (state: ${stateDir})`,
    ...row('Kafka', ...kafkaLines),
    ...row('Topics', ...topics),
    ...row('PostgreSQL', ...postgresLines),
    ...row('Migrations', ...migrations),
    ...row('Last up', status.state ? `${stateFile(stateDir)} updated ${status.state.updatedAt}` : 'no stack.json (stack:up has not run with this state dir)'),
  ].join('\n');
}
