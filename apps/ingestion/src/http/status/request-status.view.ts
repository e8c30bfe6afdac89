import type { InferenceResultV1, Lane, Operation, Provider, RequestMode } from '@sluice/contracts';
import type { RequestRecord, RequestStatus } from '@sluice/ledger';
import { RequestLinks, requestLinks } from './request.links';

/** What GET /v1/requests/:id answers: the ledger's view of one request. */
export interface RequestView {
  id: string;
  tenant: string;
  status: RequestStatus;
  provider: Provider;
  operation: Operation;
  model: string;
  mode: RequestMode;
  lane: Lane | null;
  /** The router's choice, once it made one. */
  decision: { reason: string; estimatedCostUsd: number | null; realtimeCostUsd: number | null } | null;
  deadline: string | null;
  notBefore: string | null;
  deadlineMet: boolean | null;
  timings: { receivedAt: string; routedAt: string | null; completedAt: string | null };
  cost: { usd: number; realtimeUsd: number | null; savedUsd: number | null } | null;
  /**
   * The delivered result as published on sluice.results.v1, once the request is complete (null for
   * completions booked before the ledger stored results).
   */
  result: InferenceResultV1 | null;
  metadata: Record<string, string>;
  links: RequestLinks;
}

const TERMINAL: readonly RequestStatus[] = ['succeeded', 'failed'];

export function isTerminal(status: RequestStatus): status is 'succeeded' | 'failed' {
  return TERMINAL.includes(status);
}

function instant(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

export function requestView(record: RequestRecord, delivered?: InferenceResultV1): RequestView {
  const { status } = record;
  return {
    id: record.id,
    tenant: record.tenant,
    status,
    provider: record.provider,
    operation: record.operation,
    model: record.model,
    mode: record.mode,
    lane: record.lane,
    decision:
      record.decisionReason === null
        ? null
        : { reason: record.decisionReason, estimatedCostUsd: record.estimatedCostUsd, realtimeCostUsd: record.realtimeCostUsd },
    deadline: instant(record.deadline),
    notBefore: instant(record.notBefore),
    deadlineMet: record.deadlineMet,
    timings: { receivedAt: record.receivedAt.toISOString(), routedAt: instant(record.routedAt), completedAt: instant(record.completedAt) },
    cost: record.costUsd === null ? null : { usd: record.costUsd, realtimeUsd: record.realtimeCostUsd, savedUsd: record.savedUsd },
    result: isTerminal(status) && delivered !== undefined ? delivered : null,
    metadata: record.metadata,
    links: requestLinks(record.id),
  };
}
