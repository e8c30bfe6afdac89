import { LaneRequestV1, validateMessage } from '@sluice/contracts';
import { sampleLaneRequest, sampleRequest } from '@sluice/contracts/testing/message.samples';
import type { MessageOutcome } from '@sluice/kafka';
import type { NewWindowItem, OpenWindowItem } from '@sluice/ledger';
import pino from 'pino';
import type { WindowLimits } from '../windows/batch-window';
import { BatchIntake, type IntakeDeps } from './batch.intake';

const HOUR = 3_600_000;
const NOW = new Date('2029-12-31T12:00:01Z');
const LIMITS: WindowLimits = { maxRequests: 100, maxBytes: 1_000_000, maxInputs: null, maxAgeMs: HOUR, completionEstimateMs: HOUR };

function laneRequest(id: string): LaneRequestV1 {
  const checked = validateMessage(LaneRequestV1, sampleLaneRequest({ request: sampleRequest({ id }) }));
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
}

/** A ledger write the test commits or fails when it chooses. */
interface PendingWrite {
  items: readonly NewWindowItem[];
  commit: () => void;
  fail: (error: Error) => void;
}

interface IntakeOnFakes {
  intake: BatchIntake;
  writes: PendingWrite[];
  /** The gauge's latest value. */
  gauge: () => number | undefined;
  /** Takes in a fetched batch of these request ids and commits its write. */
  written: (...ids: string[]) => Promise<void>;
  /** Takes in a fetched batch of these request ids whose write fails. */
  refused: (...ids: string[]) => Promise<void>;
  /** Commits what is still pending first, so a failed expectation does not leave a flush waiting on it. */
  stop: () => Promise<void>;
}

/** An intake on fakes: each ledger write waits for the test to commit or fail it. */
function intakeOnFakes(limits: WindowLimits = LIMITS): IntakeOnFakes {
  const writes: PendingWrite[] = [];
  const gauge: number[] = [];
  const deps: IntakeDeps = {
    adapters: { batch: () => ({ buildLine: (customId: string) => Buffer.from(`{"custom_id":"${customId}"}`) }) } as unknown as IntakeDeps['adapters'],
    windows: {
      add: (items) =>
        new Promise<void>((commit, fail) => {
          writes.push({ items, commit, fail });
        }),
      take: async () => 0,
      openItems: async function* (): AsyncGenerator<OpenWindowItem[]> {},
    },
    flusher: { flush: async () => undefined },
    escalator: { fromWindow: async () => undefined },
    metrics: { waiting: (count) => void gauge.push(count) },
    clock: () => NOW,
    logger: pino({ level: 'silent' }),
  };
  let windows = 0;
  const intake = new BatchIntake(deps, { limitsFor: () => limits, escalationLeadMs: 60_000, newWindowId: () => `window-${(windows += 1)}`, maxWaiting: 1_000 });
  const take = (ids: string[]): Promise<MessageOutcome[]> => intake.take(ids.map(laneRequest));
  return {
    intake,
    writes,
    gauge: () => gauge.at(-1),
    written: async (...ids) => {
      const taking = take(ids);
      writes.at(-1)!.commit();
      await taking;
    },
    refused: async (...ids) => {
      const taking = take(ids);
      writes.at(-1)!.fail(new Error('the database is away'));
      await expect(taking).rejects.toThrow('the database is away');
    },
    stop: () => {
      for (const write of writes) write.commit();
      return intake.stop();
    },
  };
}

describe('BatchIntake waiting gauge', () => {
  let fakes: IntakeOnFakes | undefined;
  afterEach(async () => {
    await fakes?.stop();
    fakes = undefined;
  });

  it('counts a fetched batch only once its ledger write has committed, not while another partition’s batch is written', async () => {
    const { intake, writes, gauge, written } = (fakes = intakeOnFakes());
    const first = intake.take([laneRequest('a-1'), laneRequest('a-2')]);
    await written('b-1');
    // All three are in the window already; only b-1 is in the ledger.
    expect(intake.waiting).toBe(3);
    expect(gauge()).toBe(1);

    writes[0]!.commit();
    await first;
    expect(gauge()).toBe(3);
  });

  it('leaves out a batch whose write failed until its redelivery is written', async () => {
    const { writes, gauge, written, refused } = (fakes = intakeOnFakes());
    await refused('a-1');
    await written('b-1');
    expect(gauge()).toBe(1);

    await written('a-1');
    expect(writes[2]!.items.map((item) => item.requestId)).toEqual(['a-1']);
    expect(gauge()).toBe(2);
  });

  it('stops leaving out an unwritten request once its window has closed, the book no longer counting it either', async () => {
    const { intake, writes, gauge, written } = (fakes = intakeOnFakes({ ...LIMITS, maxRequests: 2 }));
    const filling = intake.take([laneRequest('a-1'), laneRequest('a-2')]);
    await written('b-1');
    expect(gauge()).toBe(1);
    writes[0]!.commit();
    await filling;
    expect(gauge()).toBe(1);
  });

  it('keeps counting a written request whose redelivery’s write fails: the ledger has it from the first', async () => {
    const { gauge, written, refused } = (fakes = intakeOnFakes());
    await written('a-1');
    await refused('a-1');
    await written('b-1');
    expect(gauge()).toBe(2);
  });
});
