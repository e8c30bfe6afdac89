import { Pool } from 'pg';
import { withTransaction } from '../client/database.pool';

export interface CoalescingKey {
  /** The tenant, or '*' when the tenant's policy shares the cache. */
  scope: string;
  contentHash: string;
}

export interface RequestRef {
  tenant: string;
  requestId: string;
}

export type ClaimOutcome =
  { role: 'leader' } | { role: 'follower'; leader: RequestRef } | { role: 'cached'; result: Record<string, unknown>; sourceRequestId: string };

/** A leader whose flight is ending, under the key it was claimed with. */
export interface FlightEnd {
  key: CoalescingKey;
  leader: RequestRef;
}

/** A released flight: its leader, and the followers to answer with the leader's result. */
export interface ReleasedFlight extends FlightEnd {
  followers: RequestRef[];
}

interface InflightKeyRow {
  scope: string;
  content_hash: string;
  leader_tenant: string;
  leader_request_id: string;
}

/** One request's claim, for `claimOrJoinMany`. */
export interface FlightClaim {
  key: CoalescingKey;
  request: RequestRef;
}

interface InflightRow {
  leader_tenant: string;
  leader_request_id: string;
  stale: boolean;
}

export class CoalescingRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Decides, atomically, whether a request answers from the cache, waits on an identical request in
   * flight, or leads and goes to a provider. A leader silent for `staleAfterMs` (crashed, lost) is
   * replaced, so followers are never stranded behind it.
   */
  async claimOrJoin(key: CoalescingKey, request: RequestRef, staleAfterMs: number, now: Date = new Date()): Promise<ClaimOutcome> {
    // Two attempts: when a concurrent request inserts the leader row between our look and our insert,
    // the second look finds it locked and joins it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await withTransaction(this.pool, async (client): Promise<ClaimOutcome | undefined> => {
        const inflight = await client.query<InflightRow>(
          `select leader_tenant, leader_request_id, started_at < $3::timestamptz - make_interval(secs => $4::double precision / 1000) as stale
             from inflight_requests where scope = $1 and content_hash = $2 for update`,
          [key.scope, key.contentHash, now, staleAfterMs],
        );
        const leader = inflight.rows[0];
        if (leader === undefined) {
          const cached = await client.query<{ result: Record<string, unknown>; source_request_id: string }>(
            `update cache_entries set hits = hits + 1 where tenant = $1 and content_hash = $2 and expires_at > $3
             returning result, source_request_id`,
            [key.scope, key.contentHash, now],
          );
          if (cached.rows[0]) return { role: 'cached', result: cached.rows[0].result, sourceRequestId: cached.rows[0].source_request_id };
          const inserted = await client.query(
            `insert into inflight_requests (scope, content_hash, leader_tenant, leader_request_id, started_at) values ($1, $2, $3, $4, $5)
             on conflict (scope, content_hash) do nothing`,
            [key.scope, key.contentHash, request.tenant, request.requestId, now],
          );
          return (inserted.rowCount ?? 0) === 1 ? { role: 'leader' } : undefined;
        }
        const isSelf = leader.leader_tenant === request.tenant && leader.leader_request_id === request.requestId;
        if (isSelf) return { role: 'leader' };
        if (leader.stale) {
          await client.query(
            `update inflight_requests set leader_tenant = $3, leader_request_id = $4, started_at = $5 where scope = $1 and content_hash = $2`,
            [key.scope, key.contentHash, request.tenant, request.requestId, now],
          );
          return { role: 'leader' };
        }
        await client.query(
          `insert into coalesced_requests (tenant, request_id, scope, content_hash) values ($1, $2, $3, $4)
           on conflict (tenant, request_id) do nothing`,
          [request.tenant, request.requestId, key.scope, key.contentHash],
        );
        return { role: 'follower', leader: { tenant: leader.leader_tenant, requestId: leader.leader_request_id } };
      });
      if (outcome) return outcome;
    }
    throw new Error(`could not claim or join in-flight request ${key.scope}/${key.contentHash}`);
  }

  /**
   * Ends a leader's flight once its result is booked (and cached), returning the followers to answer
   * with it. Only the current leader releases: a replaced stale leader finishing late releases nothing.
   * `answer`, when given, runs inside the release with the followers it is about to forget, before it
   * commits: if it throws (or the process dies), nothing is released and the next try finds the same
   * followers, so a follower is never dropped between "released" and "answered".
   */
  async release(key: CoalescingKey, leader: RequestRef, answer?: (followers: RequestRef[]) => Promise<void>): Promise<RequestRef[]> {
    return withTransaction(this.pool, async (client) => {
      const deleted = await client.query(
        `delete from inflight_requests where scope = $1 and content_hash = $2 and leader_tenant = $3 and leader_request_id = $4`,
        [key.scope, key.contentHash, leader.tenant, leader.requestId],
      );
      if ((deleted.rowCount ?? 0) === 0) return [];
      const followers = await client.query<{ tenant: string; request_id: string }>(
        `delete from coalesced_requests where scope = $1 and content_hash = $2 returning tenant, request_id`,
        [key.scope, key.contentHash],
      );
      const released = followers.rows.map((row) => ({ tenant: row.tenant, requestId: row.request_id }));
      if (answer !== undefined && released.length > 0) await answer(released);
      return released;
    });
  }

  /**
   * `release` for many leaders in one transaction of two statements. Only flights still led by the
   * given leader are released (the others come back absent). `answer`, when given, runs inside the
   * transaction with every released flight (possibly none) before it commits, with release's
   * guarantee: if it throws, nothing is released.
   */
  async releaseMany(ends: readonly FlightEnd[], answer?: (released: ReleasedFlight[]) => Promise<void>): Promise<ReleasedFlight[]> {
    if (ends.length === 0) {
      if (answer !== undefined) await answer([]);
      return [];
    }
    return withTransaction(this.pool, async (client) => {
      const ended = await client.query<InflightKeyRow>(
        `delete from inflight_requests i
          using unnest($1::text[], $2::text[], $3::text[], $4::text[]) as k(scope, content_hash, leader_tenant, leader_request_id)
          where i.scope = k.scope and i.content_hash = k.content_hash
            and i.leader_tenant = k.leader_tenant and i.leader_request_id = k.leader_request_id
          returning i.scope, i.content_hash, i.leader_tenant, i.leader_request_id`,
        [ends.map((e) => e.key.scope), ends.map((e) => e.key.contentHash), ends.map((e) => e.leader.tenant), ends.map((e) => e.leader.requestId)],
      );
      const flights = new Map<string, ReleasedFlight>();
      for (const row of ended.rows) {
        flights.set(`${row.scope}\u0000${row.content_hash}`, {
          key: { scope: row.scope, contentHash: row.content_hash },
          leader: { tenant: row.leader_tenant, requestId: row.leader_request_id },
          followers: [],
        });
      }
      if (flights.size > 0) {
        const keys = [...flights.values()].map((flight) => flight.key);
        const followers = await client.query<{ tenant: string; request_id: string; scope: string; content_hash: string }>(
          `delete from coalesced_requests c using unnest($1::text[], $2::text[]) as k(scope, content_hash)
            where c.scope = k.scope and c.content_hash = k.content_hash
            returning c.tenant, c.request_id, c.scope, c.content_hash`,
          [keys.map((key) => key.scope), keys.map((key) => key.contentHash)],
        );
        for (const row of followers.rows) {
          flights.get(`${row.scope}\u0000${row.content_hash}`)?.followers.push({ tenant: row.tenant, requestId: row.request_id });
        }
      }
      const released = [...flights.values()];
      if (answer !== undefined) await answer(released);
      return released;
    });
  }

  /**
   * `claimOrJoin` for many requests in a few statements, whatever their number. Claims of one key in
   * the call share its fate: all answered from the cache, or one leads (the leader already in flight
   * when it is one of them) and the others follow it. Outcomes come back in input order.
   *
   * Most keys are new: one statement, with no transaction around it, hits the cache entries of every
   * key and makes the first claimant of each key the cache did not answer its leader, unless a leader
   * is in flight (`on conflict do nothing`, in key order). Only the keys left (a leader in flight, a
   * stale one, a concurrent claim) take the locking transaction below; and followers of new leaders are
   * recorded in one more statement. On the urgent path a fetched batch is often one request, so the
   * round trips of the common case are what a realtime request pays.
   */
  async claimOrJoinMany(claims: readonly FlightClaim[], staleAfterMs: number, now: Date = new Date()): Promise<ClaimOutcome[]> {
    if (claims.length === 0) return [];
    const groups = new Map<string, { key: CoalescingKey; members: RequestRef[] }>();
    for (const { key, request } of claims) {
      const id = flightId(key);
      const group = groups.get(id) ?? { key, members: [] };
      group.members.push(request);
      groups.set(id, group);
    }
    const sorted = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const decided = await this.claimNewKeys(
      sorted.map(([, group]) => group),
      now,
    );
    const rest = sorted.filter(([id]) => !decided.has(id));
    if (rest.length > 0) for (const [id, outcomes] of await this.claimInFlight(groups, rest, staleAfterMs, now)) decided.set(id, outcomes);
    // Each claim takes the next outcome of its key, in the order the claims came.
    const taken = new Map<string, number>();
    return claims.map(({ key }) => {
      const id = flightId(key);
      const index = taken.get(id) ?? 0;
      taken.set(id, index + 1);
      return decided.get(id)![index]!;
    });
  }

  /** The keys answered from the cache or led by a claimant of this call; the others are left out. */
  private async claimNewKeys(groups: ReadonlyArray<{ key: CoalescingKey; members: RequestRef[] }>, now: Date): Promise<Map<string, ClaimOutcome[]>> {
    const { rows } = await this.pool.query<{
      kind: 'cached' | 'leader';
      scope: string;
      content_hash: string;
      result: Record<string, unknown> | null;
      source_request_id: string | null;
    }>(
      `with k as (
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) with ordinality
           as k(scope, content_hash, leader_tenant, leader_request_id, claims, position)
       ), cached as (
         update cache_entries c set hits = c.hits + k.claims
           from k
          where c.tenant = k.scope and c.content_hash = k.content_hash and c.expires_at > $6
          returning c.tenant as scope, c.content_hash, c.result, c.source_request_id
       ), led as (
         insert into inflight_requests (scope, content_hash, leader_tenant, leader_request_id, started_at)
         select k.scope, k.content_hash, k.leader_tenant, k.leader_request_id, $6
           from k
          where not exists (select 1 from cached where cached.scope = k.scope and cached.content_hash = k.content_hash)
          order by k.position
         on conflict (scope, content_hash) do nothing
         returning scope, content_hash
       )
       select 'cached' as kind, scope, content_hash, result, source_request_id from cached
       union all
       select 'leader', scope, content_hash, null, null from led`,
      [
        groups.map((g) => g.key.scope),
        groups.map((g) => g.key.contentHash),
        groups.map((g) => g.members[0]!.tenant),
        groups.map((g) => g.members[0]!.requestId),
        groups.map((g) => g.members.length),
        now,
      ],
    );
    const byId = new Map(groups.map((group) => [flightId(group.key), group]));
    const outcomes = new Map<string, ClaimOutcome[]>();
    const followers: Array<{ key: CoalescingKey; request: RequestRef }> = [];
    for (const row of rows) {
      const id = flightId({ scope: row.scope, contentHash: row.content_hash });
      const { key, members } = byId.get(id)!;
      if (row.kind === 'cached') {
        const outcome: ClaimOutcome = { role: 'cached', result: row.result!, sourceRequestId: row.source_request_id! };
        outcomes.set(
          id,
          members.map(() => outcome),
        );
      } else {
        outcomes.set(id, followFirst(members, members[0]!));
        for (const member of members.slice(1)) followers.push({ key, request: member });
      }
    }
    await this.recordFollowers(this.pool, followers);
    return outcomes;
  }

  /** Keys with a leader in flight (or claimed concurrently): read and locked in key order, joined, a stale leader replaced. */
  private async claimInFlight(
    groups: ReadonlyMap<string, { key: CoalescingKey; members: RequestRef[] }>,
    sorted: ReadonlyArray<[string, { key: CoalescingKey; members: RequestRef[] }]>,
    staleAfterMs: number,
    now: Date,
  ): Promise<Map<string, ClaimOutcome[]>> {
    return withTransaction(this.pool, async (client) => {
      const outcomes = new Map<string, ClaimOutcome[]>();
      const lockLeaders = async (ids: readonly string[]): Promise<Map<string, InflightRow>> => {
        const keys = ids.map((id) => groups.get(id)!.key);
        const { rows } = await client.query<InflightRow & { scope: string; content_hash: string }>(
          `select i.scope, i.content_hash, i.leader_tenant, i.leader_request_id,
                  i.started_at < $3::timestamptz - make_interval(secs => $4::double precision / 1000) as stale
             from unnest($1::text[], $2::text[]) as k(scope, content_hash)
             join inflight_requests i on i.scope = k.scope and i.content_hash = k.content_hash
            order by i.scope, i.content_hash
              for update of i`,
          [keys.map((k) => k.scope), keys.map((k) => k.contentHash), now, staleAfterMs],
        );
        return new Map(rows.map((row) => [flightId({ scope: row.scope, contentHash: row.content_hash }), row]));
      };
      const ids = sorted.map(([id]) => id);
      const leaders = await lockLeaders(ids);
      const free = ids.filter((id) => !leaders.has(id));
      if (free.length > 0) {
        const freeKeys = free.map((id) => groups.get(id)!);
        const cached = await client.query<{ tenant: string; content_hash: string; result: Record<string, unknown>; source_request_id: string }>(
          `update cache_entries c set hits = c.hits + k.claims
             from unnest($1::text[], $2::text[], $3::int[]) as k(scope, content_hash, claims)
            where c.tenant = k.scope and c.content_hash = k.content_hash and c.expires_at > $4
            returning c.tenant, c.content_hash, c.result, c.source_request_id`,
          [freeKeys.map((g) => g.key.scope), freeKeys.map((g) => g.key.contentHash), freeKeys.map((g) => g.members.length), now],
        );
        for (const row of cached.rows) {
          const id = flightId({ scope: row.tenant, contentHash: row.content_hash });
          const outcome: ClaimOutcome = { role: 'cached', result: row.result, sourceRequestId: row.source_request_id };
          outcomes.set(
            id,
            groups.get(id)!.members.map(() => outcome),
          );
        }
        const leaderless = free.filter((id) => !outcomes.has(id)).map((id) => groups.get(id)!);
        if (leaderless.length > 0) {
          const inserted = await client.query<{ scope: string; content_hash: string }>(
            `insert into inflight_requests (scope, content_hash, leader_tenant, leader_request_id, started_at)
             select k.scope, k.content_hash, k.leader_tenant, k.leader_request_id, $5
               from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as k(scope, content_hash, leader_tenant, leader_request_id)
             on conflict (scope, content_hash) do nothing
             returning scope, content_hash`,
            [
              leaderless.map((g) => g.key.scope),
              leaderless.map((g) => g.key.contentHash),
              leaderless.map((g) => g.members[0]!.tenant),
              leaderless.map((g) => g.members[0]!.requestId),
              now,
            ],
          );
          const won = new Set(inserted.rows.map((row) => flightId({ scope: row.scope, contentHash: row.content_hash })));
          for (const group of leaderless) {
            const id = flightId(group.key);
            if (won.has(id)) outcomes.set(id, followFirst(group.members, group.members[0]!));
          }
          // Lost to a concurrent claim between our read and our insert: its leader is committed now.
          const lost = leaderless.map((g) => flightId(g.key)).filter((id) => !won.has(id));
          if (lost.length > 0) {
            const late = await lockLeaders(lost);
            for (const id of lost) {
              const row = late.get(id);
              if (row === undefined) throw new Error(`could not claim or join in-flight request ${id}`);
              leaders.set(id, { ...row, stale: false });
            }
          }
        }
      }
      const takeOver: Array<{ key: CoalescingKey; leader: RequestRef }> = [];
      for (const [id, row] of leaders) {
        const { members } = groups.get(id)!;
        const current = members.find((m) => m.tenant === row.leader_tenant && m.requestId === row.leader_request_id);
        if (current !== undefined) outcomes.set(id, followFirst(members, current));
        else if (row.stale) {
          takeOver.push({ key: groups.get(id)!.key, leader: members[0]! });
          outcomes.set(id, followFirst(members, members[0]!));
        } else {
          const leader = { tenant: row.leader_tenant, requestId: row.leader_request_id };
          outcomes.set(
            id,
            members.map(() => ({ role: 'follower', leader })),
          );
        }
      }
      if (takeOver.length > 0) {
        await client.query(
          `update inflight_requests i set leader_tenant = k.leader_tenant, leader_request_id = k.leader_request_id, started_at = $5
             from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as k(scope, content_hash, leader_tenant, leader_request_id)
            where i.scope = k.scope and i.content_hash = k.content_hash`,
          [
            takeOver.map((t) => t.key.scope),
            takeOver.map((t) => t.key.contentHash),
            takeOver.map((t) => t.leader.tenant),
            takeOver.map((t) => t.leader.requestId),
            now,
          ],
        );
      }
      const followers: Array<{ key: CoalescingKey; request: RequestRef }> = [];
      for (const [id, list] of outcomes) {
        const { key, members } = groups.get(id)!;
        list.forEach((outcome, i) => outcome.role === 'follower' && followers.push({ key, request: members[i]! }));
      }
      await this.recordFollowers(client, followers);
      return outcomes;
    });
  }

  private async recordFollowers(client: Pick<Pool, 'query'>, followers: ReadonlyArray<{ key: CoalescingKey; request: RequestRef }>): Promise<void> {
    if (followers.length === 0) return;
    await client.query(
      `insert into coalesced_requests (tenant, request_id, scope, content_hash)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
       on conflict (tenant, request_id) do nothing`,
      [
        followers.map((f) => f.request.tenant),
        followers.map((f) => f.request.requestId),
        followers.map((f) => f.key.scope),
        followers.map((f) => f.key.contentHash),
      ],
    );
  }
}

function flightId(key: CoalescingKey): string {
  return `${key.scope}\u0000${key.contentHash}`;
}

/** One leader among the claims of a key, the others its followers. */
function followFirst(members: readonly RequestRef[], leader: RequestRef): ClaimOutcome[] {
  return members.map((m) => (m.tenant === leader.tenant && m.requestId === leader.requestId ? { role: 'leader' } : { role: 'follower', leader }));
}
