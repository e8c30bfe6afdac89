import { ErrorCode } from '@sluice/contracts';
import { DEFAULT_POLICY } from '@sluice/routing';
import { httpBadInputCorpus } from '@sluice/testing/corpus/bad-input.corpus';
import { CountingCounters, MemoryLedger, RecordingPublisher } from '../../../test/intake.fakes';
import { AcceptRequestsHandler } from '../../accept/accept-requests.handler';
import { IngestionConfig } from '../../ingestion.config';
import type { ReceivedBody } from '../body/request-body.parser';
import { SubmitRequestsHandler } from './submit-requests.handler';
import { ANY_REPLY_TOPIC } from '../../accept/reply-topics.cache';
import { OPEN_ADMISSION } from '../../tenants/tenant.admission';

const TENANT = 'corpus-http';

/** What the JSON body parser hands the route: the parsed body and its size, or INVALID_JSON (its size limit is the bulk one, far above the corpus). */
function received(body: Buffer | string): ReceivedBody {
  const bytes = Buffer.byteLength(body);
  try {
    return { ok: true, json: JSON.parse(body.toString()) as unknown, bytes };
  } catch {
    return { ok: false, status: 400, code: ErrorCode.INVALID_JSON, message: 'the request body is not valid JSON' };
  }
}

describe('the bad-input corpus as POST /v1/requests bodies and bulk items (the submission use case, with fakes for the ledger and producer)', () => {
  const config = new IngestionConfig();
  const corpus = httpBadInputCorpus('unit', { tenant: TENANT }).filter((item) => item.place !== 'job-line');

  it.each(corpus.map((item) => [`${item.place} ${item.kind}`, item] as const))('%s: refused with its status, code and field', async (_name, item) => {
    const ledger = new MemoryLedger();
    const publisher = new RecordingPublisher();
    const counters = new CountingCounters();
    const intake = new AcceptRequestsHandler({ ledger, publisher, counters, clock: () => new Date(), newId: () => 'unused', policy: DEFAULT_POLICY });
    const handler = new SubmitRequestsHandler(
      intake,
      counters,
      { singleBodyBytes: config.INGESTION_BODY_LIMIT_BYTES, bulkMaxRequests: config.INGESTION_BULK_MAX_REQUESTS },
      () => 'req_generated',
      OPEN_ADMISSION,
      ANY_REPLY_TOPIC,
    );

    const reply = await handler.submit(received(item.body), TENANT, {});

    // A refused request is answered by its first error, as its rejected event names it; a refused body by the body's error.
    const error = 'errors' in reply.body && reply.body.errors !== undefined ? reply.body.errors[0] : 'error' in reply.body ? reply.body.error : undefined;
    expect({ status: reply.status, code: error?.code, field: error?.field || undefined }).toEqual({
      status: item.expect.status,
      code: item.expect.code,
      field: item.expect.field,
    });
    expect(ledger.rows.size).toBe(0);
    if (item.requestId !== undefined) {
      expect(publisher.messages.map((message) => message.key)).toEqual([item.requestId]);
    }
  });
});
