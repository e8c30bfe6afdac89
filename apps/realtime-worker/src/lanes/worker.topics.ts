import { Topics } from '@sluice/contracts';
import type { WorkerLane } from '../limiter/concurrency.limiter';

/** The topics the worker reads and writes: the registry's names, injectable so a test can use its own. */
export interface WorkerTopics {
  lanes: Record<WorkerLane, string>;
  results: string;
  stream: string;
  deadLetter: string;
}

export const WORKER_TOPICS = Symbol('sluice.realtime-worker.topics');

export const DEFAULT_WORKER_TOPICS: WorkerTopics = {
  lanes: { realtime: Topics.LaneRealtime, async: Topics.LaneAsync },
  results: Topics.Results,
  stream: Topics.Stream,
  deadLetter: Topics.Dlq,
};
