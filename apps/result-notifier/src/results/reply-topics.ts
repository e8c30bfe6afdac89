/**
 * Whether a request's `replyTo` topic exists. Sluice never creates a caller's topic, and producing to
 * a missing one fails only after the producer's retries (seconds), holding up every result behind it;
 * so the notifier asks the broker first. Existing topics are remembered; a missing one is asked about
 * again after `recheckMs`, so a topic created later starts receiving results.
 */
export class ReplyTopics {
  private readonly known = new Set<string>();
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly listTopics: () => Promise<string[]>,
    private readonly recheckMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  async exists(topic: string): Promise<boolean> {
    if (this.known.has(topic)) return true;
    const checkedAt = this.missingSince.get(topic);
    if (checkedAt !== undefined && this.now() - checkedAt < this.recheckMs) return false;
    for (const name of await this.listTopics()) this.known.add(name);
    if (this.known.has(topic)) {
      this.missingSince.delete(topic);
      return true;
    }
    // Callers name these topics; bound what a stream of made-up names can make us remember.
    if (this.missingSince.size >= 10_000) this.missingSince.clear();
    this.missingSince.set(topic, this.now());
    return false;
  }
}
