/** The emulator's billing totals for one API key (GET /_emulator/billing?apiKey=). */
export interface BillingTotals {
  apiKey: string;
  totals: { requests: number; inputTokens: number; outputTokens: number; costUsd: number };
  byModel: Array<Record<string, unknown>>;
}

export interface BillingRecord {
  at: string;
  apiKey: string;
  provider: string;
  model: string;
  operation: string;
  tier: string;
  kind: string;
  requestId?: string;
  /** Set for batch lines: the provider batch, and the line's custom_id. */
  batchId?: string | null;
  customId?: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export type FaultKind = '429' | '500' | 'timeout';

export interface FaultStats {
  armed: Record<string, FaultKind[]>;
  injected: Record<string, Record<FaultKind, number>>;
}

/** The provider emulator's admin API (/_emulator): profiles, armed faults, billing. */
export class EmulatorAdmin {
  constructor(readonly url: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${text}`);
    return path.startsWith('/billing/records') ? text : JSON.parse(text);
  }

  billing(apiKey: string): Promise<BillingTotals> {
    return this.call('GET', `/billing?apiKey=${encodeURIComponent(apiKey)}`) as Promise<BillingTotals>;
  }

  /** Provider calls billed to the key so far. */
  async billedCalls(apiKey: string): Promise<number> {
    return (await this.billing(apiKey)).totals.requests;
  }

  async billingRecords(apiKey: string): Promise<BillingRecord[]> {
    const text = (await this.call('GET', `/billing/records?apiKey=${encodeURIComponent(apiKey)}`)) as string;
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as BillingRecord);
  }

  /** The model's next `count` realtime requests fail with `kind` (`*` = any model). */
  armFault(model: string, kind: FaultKind, count: number): Promise<unknown> {
    return this.call('POST', `/faults/${encodeURIComponent(model)}`, { kind, count });
  }

  /** Faults still armed, and faults injected so far, per model. */
  faults(): Promise<FaultStats> {
    return this.call('GET', '/faults') as Promise<FaultStats>;
  }

  /** Replaces one model's behaviour patch (`default` for every model). */
  setProfile(model: string, patch: Record<string, unknown>): Promise<unknown> {
    return this.call('PUT', `/profiles/${encodeURIComponent(model)}`, patch);
  }

  /** Back to the default behaviour for the model. */
  removeProfile(model: string): Promise<unknown> {
    return this.call('DELETE', `/profiles/${encodeURIComponent(model)}`);
  }
}
