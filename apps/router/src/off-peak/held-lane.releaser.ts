import type { RequestRef, ScheduledLaneMessagesRepository } from '@sluice/ledger';
import type { ReleasePublisher } from '../accepted/routing.ports';
import { planRelease, retryAtAfter } from './off-peak.plan';

export interface ReleaseOutcome {
  /** Sent to their lane. */
  published: number;
  /** Released without a lane message: answered while they waited. */
  answered: number;
  /** Refused by the broker, back on hold until a retry time; `failures` says why. */
  failures: Array<RequestRef & { error: string }>;
  /** The claim was full and nothing failed: more may be due right now. */
  more: boolean;
}

export interface HeldLaneReleaserDependencies {
  holds: Pick<ScheduledLaneMessagesRepository, 'releaseDue'>;
  publisher: ReleasePublisher;
  clock: () => Date;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Sends held lane messages whose notBefore has come: claims at most `batchSize` due ones, publishes
 * each (awaited, acks = all), and only then lets the ledger mark them released. A crash in between
 * sends them again later, with the same ids, which the lanes deduplicate on.
 */
export class HeldLaneReleaser {
  constructor(
    private readonly deps: HeldLaneReleaserDependencies,
    private readonly batchSize: number,
  ) {}

  async releaseDue(): Promise<ReleaseOutcome> {
    const now = this.deps.clock();
    let answered = 0;
    const { released, retried } = await this.deps.holds.releaseDue(now, this.batchSize, async (due) => {
      const plan = planRelease(due);
      answered = plan.answered.length;
      const settled = await this.deps.publisher.publishEach(plan.publish.map((p) => p.outbound));
      return {
        retry: plan.publish.flatMap(({ due: message }, i) => {
          const outcome = settled[i];
          return outcome.status === 'rejected'
            ? [{ tenant: message.tenant, requestId: message.requestId, at: retryAtAfter(message.attempts, now), error: errorText(outcome.reason) }]
            : [];
        }),
      };
    });
    return {
      published: released.length - answered,
      answered,
      failures: retried.map(({ tenant, requestId, error }) => ({ tenant, requestId, error })),
      more: released.length + retried.length === this.batchSize && retried.length === 0,
    };
  }
}
