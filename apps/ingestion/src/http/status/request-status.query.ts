import { REQUEST_ID_PATTERN } from '@sluice/contracts';
import type { CompletionsRepository, RequestsRepository } from '@sluice/ledger';
import { isTerminal, RequestView, requestView } from './request-status.view';

export type RequestLookup = Pick<RequestsRepository, 'get'>;
export type DeliveredResultLookup = Pick<CompletionsRepository, 'deliveredResult'>;

/**
 * A tenant's view of one of its requests. Both lookups are by (tenant, id), so another tenant's
 * request, and its result, are indistinguishable from ones that do not exist.
 */
export class RequestStatusQuery {
  constructor(
    private readonly requests: RequestLookup,
    private readonly completions: DeliveredResultLookup,
  ) {}

  async find(tenant: string, id: string): Promise<RequestView | undefined> {
    if (!REQUEST_ID_PATTERN.test(id)) return undefined;
    const record = await this.requests.get(tenant, id);
    if (record === undefined) return undefined;
    // Only a complete request has a delivered result; the second read is skipped for the others.
    const delivered = isTerminal(record.status) ? await this.completions.deliveredResult(tenant, id) : undefined;
    return requestView(record, delivered);
  }
}
