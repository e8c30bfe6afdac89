import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { truncate } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { costUsd, type ModelPrice, type Operation, type PriceTier, type ProviderName } from '@sluice/providers';

export interface BillingEntry {
  apiKey: string;
  price: ModelPrice;
  tier: PriceTier;
  kind: 'call' | 'batch_line';
  requestId: string;
  batchId?: string;
  customId?: string;
  inputTokens: number;
  outputTokens: number;
}

export interface BillingRecord {
  at: string;
  apiKey: string;
  provider: ProviderName;
  model: string;
  operation: Operation;
  tier: PriceTier;
  kind: 'call' | 'batch_line';
  requestId: string;
  batchId: string | null;
  customId: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface BillingTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface BillingLine extends BillingTotals {
  provider: ProviderName;
  model: string;
  operation: Operation;
  tier: PriceTier;
  kind: 'call' | 'batch_line';
}

export interface KeyBilling {
  apiKey: string;
  totals: BillingTotals;
  byModel: BillingLine[];
}

/**
 * What every successful call and batch line would have cost, per API key: the ground truth that
 * Sluice's cost accounting is checked against. Totals live in memory; the records themselves go to
 * an append-only JSONL journal so a million-line batch does not keep a million objects alive.
 */
export class BillingLedger {
  private readonly byKey = new Map<string, Map<string, BillingLine>>();
  private journal: WriteStream;
  // Records are appended in batches: one file write per event-loop turn instead of one per request.
  private pending: string[] = [];
  private flushScheduled = false;

  constructor(private readonly journalPath: string) {
    this.journal = createWriteStream(journalPath, { flags: 'a' });
  }

  record(entry: BillingEntry): BillingRecord {
    const { price, tier, kind } = entry;
    const cost = costUsd(price, { inputTokens: entry.inputTokens, outputTokens: entry.outputTokens }, tier);
    const record: BillingRecord = {
      at: new Date().toISOString(),
      apiKey: entry.apiKey,
      provider: price.provider,
      model: price.model,
      operation: price.operation,
      tier,
      kind,
      requestId: entry.requestId,
      batchId: entry.batchId ?? null,
      customId: entry.customId ?? null,
      inputTokens: entry.inputTokens,
      outputTokens: entry.outputTokens,
      costUsd: cost,
    };
    let lines = this.byKey.get(entry.apiKey);
    if (!lines) {
      lines = new Map();
      this.byKey.set(entry.apiKey, lines);
    }
    const group = `${price.provider}\u0000${price.model}\u0000${tier}\u0000${kind}`;
    let line = lines.get(group);
    if (!line) {
      line = {
        provider: price.provider,
        model: price.model,
        operation: price.operation,
        tier,
        kind,
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      };
      lines.set(group, line);
    }
    line.requests += 1;
    line.inputTokens += entry.inputTokens;
    line.outputTokens += entry.outputTokens;
    line.costUsd += cost;
    this.pending.push(JSON.stringify(record));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.writePending());
    }
    return record;
  }

  forKey(apiKey: string): KeyBilling {
    const byModel = [...(this.byKey.get(apiKey)?.values() ?? [])].map((line) => ({ ...line }));
    return { apiKey, totals: sum(byModel), byModel };
  }

  all(): { totals: BillingTotals; keys: KeyBilling[] } {
    const keys = [...this.byKey.keys()].sort().map((key) => this.forKey(key));
    return { totals: sum(keys.map((key) => key.totals)), keys };
  }

  /** The journal's records for one key (all keys when undefined), oldest first. */
  async *records(apiKey: string | undefined): AsyncGenerator<BillingRecord> {
    await this.flush();
    const lines = createInterface({ input: createReadStream(this.journalPath), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const record = JSON.parse(line) as BillingRecord;
      if (apiKey === undefined || record.apiKey === apiKey) yield record;
    }
  }

  async reset(): Promise<void> {
    this.byKey.clear();
    this.pending = [];
    await this.close();
    await truncate(this.journalPath, 0);
    this.journal = createWriteStream(this.journalPath, { flags: 'a' });
  }

  async close(): Promise<void> {
    this.writePending();
    const journal = this.journal;
    if (journal.closed) return;
    await new Promise<void>((resolve) => journal.end(() => resolve()));
  }

  private writePending(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.journal.destroyed || this.journal.writableEnded) return;
    this.journal.write(`${this.pending.join('\n')}\n`);
    this.pending = [];
  }

  private flush(): Promise<void> {
    this.writePending();
    if (this.journal.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.journal.write('', () => resolve()));
  }
}

function sum(parts: readonly BillingTotals[]): BillingTotals {
  const totals: BillingTotals = { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  for (const part of parts) {
    totals.requests += part.requests;
    totals.inputTokens += part.inputTokens;
    totals.outputTokens += part.outputTokens;
    totals.costUsd += part.costUsd;
  }
  return totals;
}
