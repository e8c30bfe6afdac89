import type { RequestSource } from '@sluice/contracts';
import type { InsertRequestOutcome, NewRequestRecord, RequestRecord, RequestStatus } from '@sluice/ledger';
import type { IntakeCounters, IntakePublisher, OutboundMessage, RequestLedger } from '../src/accept/accept.ports';
import type { ReplyTopics } from '../src/accept/reply-topics.cache';

/** The ledger's idempotency rule (same id: same fingerprint is a duplicate, another is a conflict), in memory. */
export class MemoryLedger implements RequestLedger {
  readonly rows = new Map<string, RequestRecord>();

  /** One call records its requests in order, as one multi-row insert would. */
  readonly insertCalls: number[] = [];

  async insertMany(requests: readonly NewRequestRecord[]): Promise<InsertRequestOutcome[]> {
    this.insertCalls.push(requests.length);
    return requests.map((request) => this.insert(request));
  }

  insert(request: NewRequestRecord): InsertRequestOutcome {
    const key = `${request.tenant}/${request.id}`;
    const existing = this.rows.get(key);
    if (existing) return { outcome: existing.bodyHash === request.bodyHash ? 'duplicate' : 'conflict', request: existing };
    const record = recordOf(request);
    this.rows.set(key, record);
    return { outcome: 'created', request: record };
  }

  setStatus(tenant: string, id: string, status: RequestStatus): void {
    const row = this.rows.get(`${tenant}/${id}`);
    if (!row) throw new Error(`no row ${tenant}/${id}`);
    this.rows.set(`${tenant}/${id}`, { ...row, status });
  }
}

export function recordOf(request: NewRequestRecord, overrides: Partial<RequestRecord> = {}): RequestRecord {
  const date = (value: Date | string | null | undefined): Date | null => (value === null || value === undefined ? null : new Date(value));
  return {
    tenant: request.tenant,
    id: request.id,
    bodyHash: request.bodyHash,
    provider: request.provider,
    operation: request.operation,
    model: request.model,
    mode: request.mode,
    status: 'accepted',
    lane: null,
    decisionReason: null,
    estimatedCostUsd: null,
    realtimeCostUsd: null,
    costUsd: null,
    savedUsd: null,
    deadline: date(request.deadline),
    notBefore: date(request.notBefore),
    receivedAt: new Date(request.receivedAt),
    routedAt: null,
    completedAt: null,
    deadlineMet: null,
    resultId: null,
    errorCode: null,
    replyTo: request.replyTo ?? null,
    webhookUrl: request.webhookUrl ?? null,
    metadata: request.metadata ?? {},
    cacheKey: null,
    ...(request.job && { job: request.job }),
    updatedAt: new Date(request.receivedAt),
    ...overrides,
  };
}

/** Records what was published, call by call; `failNext` makes the next call fail like an unreachable broker. */
export class RecordingPublisher implements IntakePublisher {
  readonly calls: OutboundMessage[][] = [];
  failNext = false;

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('broker unreachable');
    }
    this.calls.push([...messages]);
  }

  get messages(): OutboundMessage[] {
    return this.calls.flat();
  }
}

export class CountingCounters implements IntakeCounters {
  readonly acceptedBySource = new Map<RequestSource, number>();
  readonly rejectedByCode = new Map<string, number>();

  accepted(source: RequestSource, count: number): void {
    this.acceptedBySource.set(source, (this.acceptedBySource.get(source) ?? 0) + count);
  }

  rejected(code: string, count = 1): void {
    this.rejectedByCode.set(code, (this.rejectedByCode.get(code) ?? 0) + count);
  }
}

/** A cluster with these topics, recording each look-up (the topics asked about together). */
export class KnownTopics implements ReplyTopics {
  readonly lookups: string[][] = [];

  constructor(private readonly topics: readonly string[]) {}

  missing(topics: Iterable<string>): Promise<ReadonlySet<string>> {
    const asked = [...topics];
    this.lookups.push(asked);
    return Promise.resolve(new Set(asked.filter((topic) => !this.topics.includes(topic))));
  }
}
