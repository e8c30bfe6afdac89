import { MultiBar, Presets, SingleBar } from 'cli-progress';

/**
 * Two bars while a replay runs: requests sent on the trace's schedule, and results booked. On a
 * terminal they redraw in place; elsewhere (a log, CI) a line every ten seconds.
 */
export class ReplayProgress {
  private readonly bars: MultiBar;
  private readonly sentBar: SingleBar;
  private readonly answeredBar: SingleBar;

  constructor(total: number, stream: NodeJS.WriteStream = process.stdout) {
    this.bars = new MultiBar(
      {
        format: '  {bar} {value}/{total} {what}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        stream,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      Presets.shades_classic,
    );
    this.sentBar = this.bars.create(total, 0, { what: 'sent' });
    this.answeredBar = this.bars.create(total, 0, { what: 'answered (booked in the ledger)' });
  }

  sent(count: number): void {
    this.sentBar.update(count);
  }

  answered(count: number): void {
    this.answeredBar.update(count);
  }

  stop(): void {
    this.bars.stop();
  }
}
