import type { PartitionWatermarks } from '@sluice/kafka';

/**
 * Entries on the dead-letter topic nobody replayed or dropped: what it holds (high - low per
 * partition) minus the settled entries it still holds. Never negative, should the two reads straddle
 * retention removing settled entries.
 */
export function dlqDepth(watermarks: readonly PartitionWatermarks[], settledRetained: number): number {
  const held = watermarks.reduce((sum, { low, high }) => sum + (BigInt(high) - BigInt(low)), 0n);
  const depth = Number(held) - settledRetained;
  return depth > 0 ? depth : 0;
}

export interface DlqDepthSources {
  topicOffsets(topic: string): Promise<PartitionWatermarks[]>;
  countRetained(dlqTopic: string, lows: readonly PartitionWatermarks[]): Promise<number>;
}

/** One measurement of `dlqTopic`: the broker's watermarks, then the ledger's settled entries within them. */
export async function measureDlqDepth(dlqTopic: string, sources: DlqDepthSources): Promise<number> {
  const watermarks = await sources.topicOffsets(dlqTopic);
  return dlqDepth(watermarks, await sources.countRetained(dlqTopic, watermarks));
}
