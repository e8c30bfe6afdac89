/** The shapes /console/api answers with (see apps/ingestion/src/console). */

export interface Scope {
  tenant: string | null;
  operator: boolean;
}

export interface CostFigures {
  requests: number;
  results: number;
  costUsd: number;
  supersededCostUsd: number;
  extraCalls: number;
  extraCostUsd: number;
  realtimeCostUsd: number;
  savedUsd: number;
}

export interface Attainment {
  key: string;
  completed: number;
  withDeadline: number;
  met: number;
}

export interface Overview {
  scope: Scope;
  costs: { from: string; to: string; days: Array<{ day: string; total: CostFigures }>; lanes: Array<CostFigures & { lane: string }>; total: CostFigures };
  attainment: { lanes: Attainment[]; tenants: Attainment[] };
  series: { bucketSeconds: number; since: string; buckets: Array<{ at: string; lane: string; requests: number }> };
}

export interface RequestSummary {
  tenant: string;
  id: string;
  status: string;
  lane: string | null;
  provider: string;
  operation: string;
  model: string;
  mode: string;
  receivedAt: string;
  completedAt: string | null;
  deadline: string | null;
  deadlineMet: boolean | null;
  costUsd: number | null;
  savedUsd: number | null;
  metadata: Record<string, string>;
  jobId: string | null;
}

export interface RequestDetail {
  request: RequestSummary & { decisionReason: string | null };
  timeline: Array<{ at: string; type: string; detail: string }>;
  result: unknown;
}

export interface BatchSummary {
  id: string;
  provider: string;
  operation: string;
  model: string;
  status: string;
  providerBatchId: string | null;
  createdAt: string;
  submittedAt: string | null;
  completedAt: string | null;
  error: string | null;
  lines: { total: number; pending: number; succeeded: number; failed: number; expired: number; cancelled: number; escalated: number };
}

export interface JobSummary {
  tenant: string;
  id: string;
  status: string;
  lines: number;
  invalidLines: number;
  createdAt: string;
  receivedAt: string | null;
  requests: { total: number; succeeded: number; failed: number; batch: number };
}

export interface DlqEntry {
  dlqPartition: number;
  dlqOffset: string;
  time: string;
  originalTopic: string | null;
  code: string;
  message: string;
  tenant: string | null;
  requestId: string | null;
  disposition: string | null;
}
