import type { RequestedMode } from '../decision/route-request';

/** What decides how soon a request in flight will be answered. */
export interface FlightParty {
  mode: RequestedMode;
  /** Effective deadline, epoch ms. */
  deadlineMs: number;
}

/**
 * Whether an identical request may simply wait for the leader's answer. The router plans each
 * request to finish by its deadline, so a leader due no later than the follower answers it in time;
 * one due later (or sent to a slower lane by an explicit mode the follower did not ask for) could
 * leave it waiting for hours behind a batch job. Such a follower is routed on its own as well.
 */
export function canWaitOnLeader(leader: FlightParty, follower: FlightParty): boolean {
  const leaderKeepsDeadline = leader.mode === 'auto' || leader.mode === 'realtime' || leader.mode === follower.mode;
  return leaderKeepsDeadline && leader.deadlineMs <= follower.deadlineMs;
}
