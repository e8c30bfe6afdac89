import { MultiBar, Presets, SingleBar } from 'cli-progress';

/**
 * Named progress bars on stdout while a benchmark runs: redrawn in place on a terminal, a line every
 * ten seconds elsewhere (a log, CI).
 */
export class BenchProgress {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, SingleBar>();

  constructor(bars: ReadonlyArray<{ name: string; total: number }>, stream: NodeJS.WriteStream = process.stdout) {
    this.multi = new MultiBar(
      {
        format: '  {bar} {value}/{total} {name} {note}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        stream,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      Presets.shades_classic,
    );
    for (const { name, total } of bars) this.bars.set(name, this.multi.create(total, 0, { name, note: '' }));
  }

  update(name: string, value: number, note = ''): void {
    this.bars.get(name)?.update(value, { note });
  }

  stop(): void {
    this.multi.stop();
  }
}
