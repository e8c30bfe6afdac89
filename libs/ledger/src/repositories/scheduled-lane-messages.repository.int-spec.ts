import { AcceptedRequestV1, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest } from '@sluice/contracts/testing/message.samples';
import { randomTenant } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { requestRecordFromAccepted, RequestsRepository } from './requests.repository';
import { type DueLaneMessage, type HeldLaneMessage, type ReleaseReport, ScheduledLaneMessagesRepository } from './scheduled-lane-messages.repository';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const sendAll = async (): Promise<ReleaseReport> => ({ retry: [] });

describe('ScheduledLaneMessagesRepository', () => {
  let db: TestDatabase;
  let scheduled: ScheduledLaneMessagesRepository;
  let requests: RequestsRepository;

  beforeEach(async () => {
    db = await createTestDatabase();
    scheduled = new ScheduledLaneMessagesRepository(db.pool);
    requests = new RequestsRepository(db.pool);
  });

  afterEach(async () => {
    await db.drop();
  });

  /** A request routed to the batch lane and queued for its notBefore, as the router records it, and its held lane message. */
  async function queuedRequest(tenant: string, id: string, releaseAt: Date): Promise<HeldLaneMessage> {
    const accepted = validateMessage(AcceptedRequestV1, sampleAccepted({ request: sampleRequest({ tenant, id }) }));
    if (!accepted.ok) throw new Error(JSON.stringify(accepted.errors));
    await requests.insert(requestRecordFromAccepted(accepted.value));
    await requests.recordRouting(
      tenant,
      id,
      { lane: 'batch', reason: 'slack-allows-batch', estimatedCostUsd: 0.00005, realtimeCostUsd: 0.0001, routedAt: T0 },
      'queued',
    );
    return {
      tenant,
      requestId: id,
      lane: 'batch',
      releaseAt,
      message: JSON.parse(JSON.stringify({ ...accepted.value, routing: { lane: 'batch', reason: 'slack-allows-batch' } })) as Record<string, unknown>,
      correlationId: `corr-${id}`,
    };
  }

  it('holds a lane message once per request: a repeat keeps the first', async () => {
    const tenant = randomTenant();
    const held = await queuedRequest(tenant, 'r1', at(60));
    expect(await scheduled.hold(held)).toBe(true);
    expect(await scheduled.hold({ ...held, releaseAt: at(1), message: { other: true } })).toBe(false);
    expect(await scheduled.get(tenant, 'r1')).toMatchObject({
      lane: 'batch',
      releaseAt: at(60),
      message: held.message,
      correlationId: 'corr-r1',
      traceparent: null,
      attempts: 0,
      releasedAt: null,
    });
    expect(await scheduled.get(randomTenant(), 'r1')).toBeUndefined();
  });

  it('releases only what is due, earliest first and up to the limit, then drops the payload and moves the request to routed', async () => {
    const tenant = randomTenant();
    for (const [id, seconds] of [
      ['late', 30],
      ['first', 10],
      ['second', 20],
      ['not-yet', 90],
    ] as const) {
      await scheduled.hold(await queuedRequest(tenant, id, at(seconds)));
    }
    const sent: DueLaneMessage[][] = [];
    const send = async (due: DueLaneMessage[]): Promise<ReleaseReport> => {
      sent.push(due);
      return { retry: [] };
    };

    const first = await scheduled.releaseDue(at(60), 2, send);
    expect(first.released.map((m) => m.requestId)).toEqual(['first', 'second']);
    expect(sent[0].map((m) => [m.requestId, m.requestStatus, m.attempts, m.correlationId])).toEqual([
      ['first', 'queued', 0, 'corr-first'],
      ['second', 'queued', 0, 'corr-second'],
    ]);
    expect(sent[0][0].message).toMatchObject({ request: { id: 'first', tenant } });
    expect(await scheduled.get(tenant, 'first')).toMatchObject({ message: null, attempts: 1, releasedAt: expect.any(Date) });
    expect(await requests.get(tenant, 'first')).toMatchObject({ status: 'routed', lane: 'batch' });
    expect(await requests.get(tenant, 'late')).toMatchObject({ status: 'queued' });

    expect((await scheduled.releaseDue(at(60), 10, send)).released.map((m) => m.requestId)).toEqual(['late']);
    expect((await scheduled.releaseDue(at(60), 10, send)).released).toEqual([]);
    expect(sent).toHaveLength(2);
    expect(await scheduled.get(tenant, 'not-yet')).toMatchObject({ releasedAt: null, message: expect.any(Object) });
  });

  it('keeps the final status of a request answered while it waited, and says so to the sender', async () => {
    const tenant = randomTenant();
    await scheduled.hold(await queuedRequest(tenant, 'answered', at(10)));
    await db.pool.query(`update requests set status = 'succeeded' where tenant = $1 and id = 'answered'`, [tenant]);
    let seen: DueLaneMessage[] = [];
    await scheduled.releaseDue(at(10), 10, async (due) => {
      seen = due;
      return { retry: [] };
    });
    expect(seen.map((m) => m.requestStatus)).toEqual(['succeeded']);
    expect(await requests.get(tenant, 'answered')).toMatchObject({ status: 'succeeded' });
    expect(await scheduled.get(tenant, 'answered')).toMatchObject({ message: null, releasedAt: expect.any(Date) });
  });

  it('puts a message the sender could not send back on hold until its retry time, and releases the rest', async () => {
    const tenant = randomTenant();
    await scheduled.hold(await queuedRequest(tenant, 'refused', at(10)));
    await scheduled.hold(await queuedRequest(tenant, 'fine', at(11)));
    const outcome = await scheduled.releaseDue(at(20), 10, async () => ({
      retry: [{ tenant, requestId: 'refused', at: at(50), error: 'MESSAGE_TOO_LARGE' }],
    }));
    expect(outcome.released.map((m) => m.requestId)).toEqual(['fine']);
    expect(outcome.retried.map((m) => m.requestId)).toEqual(['refused']);
    expect(await scheduled.get(tenant, 'refused')).toMatchObject({ releaseAt: at(50), attempts: 1, lastError: 'MESSAGE_TOO_LARGE', releasedAt: null });
    expect(await requests.get(tenant, 'refused')).toMatchObject({ status: 'queued' });
    expect((await scheduled.releaseDue(at(49), 10, sendAll)).released).toEqual([]);
    expect((await scheduled.releaseDue(at(50), 10, sendAll)).released).toMatchObject([{ requestId: 'refused', attempts: 1 }]);
  });

  it('marks nothing when sending throws: the messages stay due', async () => {
    const tenant = randomTenant();
    await scheduled.hold(await queuedRequest(tenant, 'r1', at(10)));
    await expect(
      scheduled.releaseDue(at(10), 10, async () => {
        throw new Error('broker unreachable');
      }),
    ).rejects.toThrow('broker unreachable');
    expect(await scheduled.get(tenant, 'r1')).toMatchObject({ releasedAt: null, attempts: 0, message: expect.any(Object) });
    expect(await requests.get(tenant, 'r1')).toMatchObject({ status: 'queued' });
    expect((await scheduled.releaseDue(at(10), 10, sendAll)).released).toHaveLength(1);
  });

  it('gives concurrent releasers different messages: one still sending does not hand its rows to another', async () => {
    const tenant = randomTenant();
    const ids = Array.from({ length: 6 }, (_, i) => `r${i}`);
    for (const [i, id] of ids.entries()) await scheduled.hold(await queuedRequest(tenant, id, at(i)));
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    let claimedBySlow: string[] = [];
    let slowHasClaimed!: () => void;
    const slowClaimed = new Promise<void>((resolve) => (slowHasClaimed = resolve));

    const slow = scheduled.releaseDue(at(60), 3, async (due) => {
      claimedBySlow = due.map((m) => m.requestId);
      slowHasClaimed();
      await blocked;
      return { retry: [] };
    });
    await slowClaimed;
    const fast = await scheduled.releaseDue(at(60), 10, sendAll);
    unblock();
    const slowOutcome = await slow;

    expect(claimedBySlow).toEqual(['r0', 'r1', 'r2']);
    expect(fast.released.map((m) => m.requestId)).toEqual(['r3', 'r4', 'r5']);
    expect(slowOutcome.released.map((m) => m.requestId)).toEqual(claimedBySlow);
    expect((await scheduled.releaseDue(at(60), 10, sendAll)).released).toEqual([]);
  });
});
