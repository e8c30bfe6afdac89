import type { DueLaneMessage, ReleaseReport, RetryLater, ScheduledLaneMessagesRepository } from '@sluice/ledger';
import type { CorrelatedMessage, ReleasePublisher } from '../accepted/routing.ports';
import { HeldLaneReleaser } from './held-lane.releaser';

const NOW = new Date('2030-01-01T12:00:00.000Z');

function due(requestId: string, overrides: Partial<DueLaneMessage> = {}): DueLaneMessage {
  return { tenant: 'acme', requestId, lane: 'batch', releaseAt: NOW, message: { id: requestId }, attempts: 0, requestStatus: 'queued', ...overrides };
}

/** The ledger's side of a release: hands out what is due, and keeps what the sender reported. */
class FakeHolds implements Pick<ScheduledLaneMessagesRepository, 'releaseDue'> {
  due: DueLaneMessage[] = [];
  readonly asked: Array<{ now: Date; limit: number }> = [];
  reports: ReleaseReport[] = [];

  async releaseDue(now: Date, limit: number, send: (due: DueLaneMessage[]) => Promise<ReleaseReport>) {
    this.asked.push({ now, limit });
    const claimed = this.due.slice(0, limit);
    if (claimed.length === 0) return { released: [], retried: [] };
    const report = await send(claimed);
    this.reports.push(report);
    const retried: RetryLater[] = [...report.retry];
    const retryIds = new Set(retried.map((r) => r.requestId));
    return { released: claimed.filter((m) => !retryIds.has(m.requestId)), retried };
  }
}

class FakePublisher implements ReleasePublisher {
  readonly sent: CorrelatedMessage[] = [];
  refuse = new Set<string>();

  async publishEach(messages: readonly CorrelatedMessage[]): Promise<Array<PromiseSettledResult<void>>> {
    this.sent.push(...messages);
    return messages.map((m) =>
      this.refuse.has(m.message.key)
        ? { status: 'rejected', reason: new Error('The request included a message larger than the max message size') }
        : { status: 'fulfilled', value: undefined },
    );
  }
}

function releaser(batchSize = 10) {
  const holds = new FakeHolds();
  const publisher = new FakePublisher();
  return { holds, publisher, releaser: new HeldLaneReleaser({ holds, publisher, clock: () => NOW }, batchSize) };
}

describe('HeldLaneReleaser', () => {
  it('asks for what is due now, up to its batch size, and publishes it', async () => {
    const h = releaser(10);
    h.holds.due = [due('r1', { correlationId: 'c1' }), due('r2', { lane: 'async' })];
    expect(await h.releaser.releaseDue()).toEqual({ published: 2, answered: 0, failures: [], more: false });
    expect(h.holds.asked).toEqual([{ now: NOW, limit: 10 }]);
    expect(h.publisher.sent.map((m) => [m.message.to, m.message.key, m.correlation])).toEqual([
      ['batch', 'r1', { requestId: 'r1', correlationId: 'c1' }],
      ['async', 'r2', { requestId: 'r2' }],
    ]);
  });

  it('releases a request answered while it waited without sending it', async () => {
    const h = releaser();
    h.holds.due = [due('answered', { requestStatus: 'succeeded' }), due('waiting')];
    expect(await h.releaser.releaseDue()).toMatchObject({ published: 1, answered: 1 });
    expect(h.publisher.sent.map((m) => m.message.key)).toEqual(['waiting']);
  });

  it('reports a message the broker refused for a later retry, backing off by its attempts, and releases the others', async () => {
    const h = releaser();
    h.holds.due = [due('big', { attempts: 2 }), due('fine')];
    h.publisher.refuse.add('big');
    const outcome = await h.releaser.releaseDue();
    expect(h.holds.reports).toEqual([
      {
        retry: [
          {
            tenant: 'acme',
            requestId: 'big',
            at: new Date(NOW.getTime() + 20_000),
            error: 'Error: The request included a message larger than the max message size',
          },
        ],
      },
    ]);
    expect(outcome).toEqual({
      published: 1,
      answered: 0,
      failures: [{ tenant: 'acme', requestId: 'big', error: 'Error: The request included a message larger than the max message size' }],
      more: false,
    });
  });

  it('says more may be due when the claim came back full and nothing failed', async () => {
    const h = releaser(2);
    h.holds.due = [due('r1'), due('r2'), due('r3')];
    expect((await h.releaser.releaseDue()).more).toBe(true);
    h.holds.due = [due('r1'), due('r2')];
    h.publisher.refuse.add('r2');
    expect((await h.releaser.releaseDue()).more).toBe(false);
  });

  it('sends nothing when nothing is due', async () => {
    const h = releaser();
    expect(await h.releaser.releaseDue()).toEqual({ published: 0, answered: 0, failures: [], more: false });
    expect(h.publisher.sent).toEqual([]);
  });
});
