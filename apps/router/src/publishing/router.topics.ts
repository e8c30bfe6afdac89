import { Topics } from '@sluice/contracts';
import type { Destination } from '../accepted/routing.ports';

/** The topic of each destination; tests point them at topics of their own. */
export type RouterTopics = Readonly<Record<Destination, string>>;

export const ROUTER_TOPICS = Symbol('sluice.router-topics');

export const DEFAULT_ROUTER_TOPICS: RouterTopics = {
  realtime: Topics.LaneRealtime,
  async: Topics.LaneAsync,
  batch: Topics.LaneBatch,
  results: Topics.Results,
  events: Topics.Events,
};
