/**
 * The one place topic names live. Names are versioned (`sluice.<subject>.v1`) so a breaking
 * contract change ships as a new topic that old and new consumers can run side by side.
 */
export const Topics = {
  /** Requests from producers: urgent work, or a mix (see docs/architecture.md, "Urgent and bulk paths"). */
  Requests: 'sluice.requests.v1',
  /** Requests from producers that can wait (minutes or more): never read in front of urgent work. */
  RequestsBulk: 'sluice.requests.bulk.v1',
  /** Accepted requests that can wait: bulk jobs, everything from the bulk intake, deadlines the batch or async lane can meet. */
  Accepted: 'sluice.accepted.v1',
  /** Accepted requests whose deadline needs the realtime lane: routed by a consumer group of their own. */
  AcceptedUrgent: 'sluice.accepted.urgent.v1',
  LaneRealtime: 'sluice.lane.realtime.v1',
  LaneAsync: 'sluice.lane.async.v1',
  LaneBatch: 'sluice.lane.batch.v1',
  Results: 'sluice.results.v1',
  Stream: 'sluice.stream.v1',
  Events: 'sluice.events.v1',
  Dlq: 'sluice.dlq.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly TopicName[] = Object.freeze(Object.values(Topics));

/** Lane topics by lane name, so the router and workers never spell a lane topic by hand. */
export const LaneTopics = {
  realtime: Topics.LaneRealtime,
  async: Topics.LaneAsync,
  batch: Topics.LaneBatch,
} as const;

/**
 * Every message about one request is keyed by its request id: all its messages land on one
 * partition, so a consumer sees them in order and a compacted topic keeps the latest per request.
 */
export function messageKey(requestId: string): string {
  return requestId;
}

export function isSluiceTopic(name: string): boolean {
  return (ALL_TOPICS as readonly string[]).includes(name);
}
