import { redactUrlPassword } from '@sluice/config';
import type { ConsumerHealth } from '@sluice/kafka';

/** What every Sluice service depends on, as health and `sluice_dependency_up` name them. */
export const DEPENDENCIES = ['database', 'kafka'] as const;
export type DependencyName = (typeof DEPENDENCIES)[number];

export type ProbeResult = { up: true } | { up: false; reason: string };

export interface DependencyView {
  status: 'up' | 'down';
  reason?: string;
  /** When this service first saw it down (ISO 8601), while it is. */
  since?: string;
}

export interface WaitingView {
  consumer: string;
  dependency: string;
  reason: string;
  since: string;
  /** Groups of messages (each on one partition) waiting. */
  waiting: number;
}

/**
 * `ok`: every dependency answers and nothing waits. `degraded`: the service runs and will carry on by
 * itself, but a dependency is down or some work is waiting for one. `shutting_down`: draining.
 */
export interface HealthSummary {
  status: 'ok' | 'degraded' | 'shutting_down';
  dependencies: Record<DependencyName, DependencyView>;
  waiting: WaitingView[];
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;
const REASON_LIMIT = 500;

/** A failure's message as health may show it: passwords in URLs masked, bounded in length. */
export function safeReason(text: string): string {
  const masked = text.replace(URL_IN_TEXT, (url) => redactUrlPassword(url));
  return masked.length > REASON_LIMIT ? `${masked.slice(0, REASON_LIMIT)}…` : masked;
}

/** Kafka as the consumers see it: up when every registered consumer has joined its group. */
export function kafkaProbe(consumers: ReadonlyArray<{ name: string } & ConsumerHealth>): ProbeResult {
  const waiting = consumers.filter((consumer) => !consumer.ready);
  if (waiting.length === 0) return { up: true };
  return { up: false, reason: waiting.map((consumer) => `${consumer.name}: ${consumer.reason ?? 'not ready'}`).join('; ') };
}

export interface SummaryInput {
  accepting: boolean;
  probes: Record<DependencyName, ProbeResult>;
  /** When each dependency that is down now was first seen down. */
  downSince: ReadonlyMap<DependencyName, Date>;
  consumers: ReadonlyArray<{ name: string } & ConsumerHealth>;
}

export function summarize({ accepting, probes, downSince, consumers }: SummaryInput): HealthSummary {
  const view = (name: DependencyName): DependencyView => {
    const probe = probes[name];
    if (probe.up) return { status: 'up' };
    const since = downSince.get(name);
    return { status: 'down', reason: safeReason(probe.reason), ...(since !== undefined && { since: since.toISOString() }) };
  };
  const dependencies = { database: view('database'), kafka: view('kafka') };
  const waiting = consumers.flatMap((consumer) =>
    (consumer.outages ?? []).map((outage) => ({ consumer: consumer.name, ...outage, reason: safeReason(outage.reason) })),
  );
  const healthy = DEPENDENCIES.every((name) => probes[name].up) && waiting.length === 0;
  return { status: !accepting ? 'shutting_down' : healthy ? 'ok' : 'degraded', dependencies, waiting };
}
