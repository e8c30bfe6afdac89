import { REQUEST_ID_PATTERN } from '@sluice/contracts';
import type { RequestsRepository } from '@sluice/ledger';
import { RequestView, requestView } from './request-status.view';

export type RequestLookup = Pick<RequestsRepository, 'get'>;

/**
 * A tenant's view of one of its requests. The lookup is by (tenant, id), so another tenant's request
 * is indistinguishable from one that does not exist.
 */
export class RequestStatusQuery {
  constructor(private readonly requests: RequestLookup) {}

  async find(tenant: string, id: string): Promise<RequestView | undefined> {
    if (!REQUEST_ID_PATTERN.test(id)) return undefined;
    const record = await this.requests.get(tenant, id);
    return record === undefined ? undefined : requestView(record);
  }
}
