import { LifecycleEventV1, Topics } from '@sluice/contracts';
import { NonRetryableError } from '@sluice/kafka';
import { decodeJson } from '@sluice/kafka/consumer/json.decoder';
import { topicContracts } from '@sluice/observability';
import { DEFAULT_POLICY } from '@sluice/routing';
import { BadInputCase, badInputCorpus } from '@sluice/testing/corpus/bad-input.corpus';
import { CountingCounters, MemoryLedger, RecordingPublisher } from '../../test/intake.fakes';
import { AcceptRequestsHandler } from '../accept/accept-requests.handler';
import { MessagePosition, requestIdForMessage } from '../accept/request-id.generator';
import { IngestionConfig } from '../ingestion.config';
import { ingestionService } from '../ingestion.definition';
import { ANY_REPLY_TOPIC } from '../accept/reply-topics.cache';
import { OPEN_ADMISSION } from '../tenants/tenant.admission';
import { ConsumedItem, RequestsHandler } from './requests.handler';

const TENANT = 'corpus-unit';

/** Where the index-th message of the batch was read. */
function positionOf(index: number): MessagePosition {
  return { topic: Topics.Requests, partition: 0, offset: String(index), timestamp: '1893491000000' };
}

/** What became of one message: dead-lettered under a code, refused by a `rejected` event, or accepted. */
type Fate =
  | { kind: 'dead-lettered'; code: string }
  | { kind: 'rejected'; requestId: string; code: string; field?: string }
  | { kind: 'accepted'; requestId: string }
  | { kind: 'unexpected'; error: unknown };

interface Sent {
  value: Buffer;
  /** The corpus case it is, when it is one (not a setup or the valid request behind them). */
  item?: BadInputCase;
}

/**
 * The messages of one partition as ingestion's consumer takes one fetched batch of them: each decoded
 * and checked to be a JSON object as the consumer runner does for ingestion's contract (what fails is
 * dead-lettered under the runner's code), the rest through RequestsHandler together, with the fakes
 * of the ledger and the producer. The fate of every message, in order.
 */
async function consume(sent: readonly Sent[]): Promise<{ fates: Fate[]; ledger: MemoryLedger }> {
  const ledger = new MemoryLedger();
  const publisher = new RecordingPublisher();
  const counters = new CountingCounters();
  const intake = new AcceptRequestsHandler({ ledger, publisher, counters, clock: () => new Date(), newId: () => 'unused', policy: DEFAULT_POLICY });
  const handler = new RequestsHandler(intake, counters, { maxBytes: new IngestionConfig().INGESTION_BODY_LIMIT_BYTES }, OPEN_ADMISSION, ANY_REPLY_TOPIC);
  const { validate, onInvalid } = topicContracts(ingestionService.consumes)[Topics.Requests];
  // Without these, what this spec does would not be what the consumer does.
  if (validate === undefined || onInvalid !== undefined) throw new Error('ingestion validates sluice.requests.v1 as a JSON object and dead-letters the rest');

  const fates = new Array<Fate>(sent.length);
  const items: Array<{ index: number; item: ConsumedItem }> = [];
  sent.forEach(({ value }, index) => {
    const message = { ...positionOf(index), headers: {}, bytes: value.byteLength };
    const decoded = decodeJson(value);
    if (!decoded.ok) {
      fates[index] = { kind: 'dead-lettered', code: decoded.code };
      return;
    }
    const checked = validate(decoded.value, { ...message, key: null, value });
    if (!checked.ok) {
      fates[index] = { kind: 'dead-lettered', code: 'VALIDATION_FAILED' };
      return;
    }
    items.push({ index, item: { plain: checked.value as Record<string, unknown>, message } });
  });
  const results = await handler.handle(
    items.map(({ item }) => item),
    { bulk: false },
  );
  const rejections = publisher.messages.map((message) => message.value as LifecycleEventV1).filter((event) => event.type === 'rejected');
  results.forEach((result, position) => {
    const { index } = items[position];
    if (!result.ok) {
      fates[index] =
        result.error instanceof NonRetryableError ? { kind: 'dead-lettered', code: result.error.code } : { kind: 'unexpected', error: result.error };
      return;
    }
    const { outcome } = result;
    if (outcome.kind === 'accepted') {
      fates[index] = { kind: 'accepted', requestId: outcome.requestId };
      return;
    }
    const event = rejections.find((candidate) => candidate.requestId === outcome.requestId);
    fates[index] = { kind: 'rejected', requestId: outcome.requestId, code: event?.error?.code ?? 'NO EVENT', field: event?.error?.field };
  });
  return { fates, ledger };
}

describe('the bad-input corpus on sluice.requests.v1 (ingestion as it consumes, with fakes for the ledger and producer)', () => {
  const corpus = badInputCorpus('unit', { tenant: TENANT });
  const valid = { tenant: TENANT, id: 'unit-valid-after', provider: 'openai', operation: 'chat', body: { model: 'gpt-4o-mini', messages: [] } };
  // One partition: each case (after its setup) in order, then a valid request behind them all.
  const sent: Sent[] = [
    ...corpus.flatMap((item): Sent[] => [
      ...(item.setup ? [{ value: Buffer.from(item.setup.value) }] : []),
      { value: Buffer.isBuffer(item.value) ? item.value : Buffer.from(item.value), item },
    ]),
    { value: Buffer.from(JSON.stringify(valid)) },
  ];
  let fates: Fate[];
  let ledger: MemoryLedger;

  beforeAll(async () => {
    ({ fates, ledger } = await consume(sent));
  });

  const indexOf = (kind: string) => sent.findIndex((entry) => entry.item?.kind === kind);
  const fateOf = (kind: string) => fates[indexOf(kind)];

  it.each(corpus.filter((item) => item.requestId !== undefined).map((item) => [item.kind, item] as const))(
    '%s: a rejected event naming its id, code and field',
    (kind, item) => {
      expect(fateOf(kind)).toEqual({ kind: 'rejected', requestId: item.requestId, code: item.expect.code, field: item.expect.field });
    },
  );

  it.each(corpus.filter((item) => item.requestId === undefined).map((item) => [item.kind, item] as const))(
    '%s: dead-lettered under its code, or rejected under an id derived from its position',
    (kind, item) => {
      const fate = fateOf(kind);
      const derivedId = requestIdForMessage(positionOf(indexOf(kind)));
      if (fate.kind === 'rejected') expect(fate).toEqual({ kind: 'rejected', requestId: derivedId, code: item.expect.code, field: item.expect.field });
      else expect(fate).toEqual({ kind: 'dead-lettered', code: item.expect.code });
    },
  );

  it('accepts the first request of a duplicated id, and the valid request behind all the cases', () => {
    const setups = sent.flatMap((entry, index) => (entry.item === undefined ? [fates[index]] : []));
    expect(setups).toEqual([
      { kind: 'accepted', requestId: corpus.find((item) => item.setup)!.requestId },
      { kind: 'accepted', requestId: 'unit-valid-after' },
    ]);
    expect([...ledger.rows.keys()].sort()).toEqual([`${TENANT}/unit-duplicate-id`, `${TENANT}/unit-valid-after`]);
  });

  it('dead-letters only what cannot be read as a request of a usable tenant', () => {
    const deadLettered = sent.flatMap((entry, index) => (fates[index].kind === 'dead-lettered' ? [entry.item?.kind] : []));
    expect(deadLettered.sort()).toEqual(
      [
        'not-json',
        'empty-value',
        'invalid-utf8',
        'top-level-array',
        'top-level-number',
        'top-level-null',
        'top-level-string',
        'tenant-missing',
        'tenant-wrong-type',
        'tenant-invalid',
        'tenant-too-long',
      ].sort(),
    );
  });
});
