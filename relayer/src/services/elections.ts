/**
 * Elections as the API sees them: rows of the elections table, cached for ELECTION_CACHE_MS.
 * An id the table does not know is looked up on chain (elections created by someone else), and
 * copied into the table with its real window and choice count; ids the chain does not know are
 * remembered as unknown for a few seconds so random ids cannot flood the RPC.
 */
import type { VoteRegistryContract } from "@veritally/contracts";
import type { Db } from "../db/pool.js";
import { ElectionState } from "../states.js";

export interface Election {
  electionId: string;
  source: "relayer" | "chain";
  state: ElectionState;
  choiceCount: number;
  opensAt: Date;
  closesAt: Date;
  recordUntil: Date;
  closedAt: Date | null;
  chainClosed: boolean;
  intakePaused: boolean;
  failureReason: string | null;
  metadata: unknown;
  createdAt: Date;
}

interface ElectionRow {
  election_id: string;
  source: "relayer" | "chain";
  state: ElectionState;
  choice_count: number;
  opens_at: Date;
  closes_at: Date;
  record_until: Date;
  closed_at: Date | null;
  chain_closed: boolean;
  intake_paused: boolean;
  failure_reason: string | null;
  metadata: unknown;
  created_at: Date;
}

export const ELECTION_COLUMNS =
  "election_id, source, state, choice_count, opens_at, closes_at, record_until, closed_at, chain_closed, intake_paused, failure_reason, metadata, created_at";

export function electionFromRow(r: ElectionRow): Election {
  return {
    electionId: r.election_id,
    source: r.source,
    state: r.state,
    choiceCount: r.choice_count,
    opensAt: r.opens_at,
    closesAt: r.closes_at,
    recordUntil: r.record_until,
    closedAt: r.closed_at,
    chainClosed: r.chain_closed,
    intakePaused: r.intake_paused,
    failureReason: r.failure_reason,
    metadata: r.metadata,
    createdAt: r.created_at,
  };
}

export type IntakeState =
  | { open: true }
  | { open: false; code: "election_not_open" | "election_closed" | "election_paused"; message: string };

/** Whether votes may be accepted now (the relayer's clock; the chain checks again when recording). */
export function intakeState(e: Election, now = new Date()): IntakeState {
  if (e.state === ElectionState.Creating) {
    return { open: false, code: "election_not_open", message: "the election is still being created on chain" };
  }
  if (e.intakePaused) return { open: false, code: "election_paused", message: "intake is paused for this election" };
  if (e.closedAt !== null || e.chainClosed || now >= e.closesAt) {
    return {
      open: false,
      code: "election_closed",
      message: `intake closed at ${(e.closedAt ?? e.closesAt).toISOString()}`,
    };
  }
  if (now < e.opensAt) {
    return { open: false, code: "election_not_open", message: `intake opens at ${e.opensAt.toISOString()}` };
  }
  return { open: true };
}

export interface ElectionDirectory {
  /** The election, from the table or the chain; null when neither knows it (or its creation failed). */
  get(electionId: bigint): Promise<Election | null>;
  invalidate(electionId?: bigint): void;
}

export function createElectionDirectory(
  db: Db,
  registry: VoteRegistryContract,
  cacheMs: number,
  unknownCacheMs = 5000,
  /** The clock (ms) of the cache's expiry; tests pass their own. */
  now: () => number = Date.now,
): ElectionDirectory {
  // Known and unknown ids are kept apart, so a flood of random ids (each one chain lookup, then
  // remembered as unknown for unknownCacheMs) never pushes the real elections out of the cache.
  const cache = new Map<string, { election: Election | null; expires: number }>();
  const unknown = new Map<string, number>();
  const inflight = new Map<string, Promise<Election | null>>();

  async function fromDb(id: string): Promise<Election | null> {
    const { rows } = await db.query<ElectionRow>(`select ${ELECTION_COLUMNS} from elections where election_id = $1`, [
      id,
    ]);
    return rows[0] ? electionFromRow(rows[0]) : null;
  }

  async function fromChain(id: bigint): Promise<Election | null> {
    if (!(await registry.electionExists(id))) return null;
    const e = await registry.getElection(id);
    const toDate = (s: bigint) => new Date(Number(s) * 1000);
    await db.query(
      `insert into elections (election_id, source, state, choice_count, opens_at, closes_at, record_until,
                              chain_closed, next_seq)
       values ($1, 'chain', 'active', $2, $3, $4, $5, $6, $7)
       on conflict (election_id) do nothing`,
      [
        id.toString(),
        Number(e.choiceCount),
        toDate(e.opensAt),
        toDate(e.closesAt),
        toDate(e.recordUntil),
        e.closed,
        e.nextSeq.toString(),
      ],
    );
    return fromDb(id.toString());
  }

  async function load(id: bigint): Promise<Election | null> {
    const key = id.toString();
    let election = await fromDb(key);
    if (!election) election = await fromChain(id);
    const visible = election && election.state !== ElectionState.Failed ? election : null;
    if (visible && cacheMs > 0) {
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { election: visible, expires: now() + cacheMs });
    } else if (!visible && unknownCacheMs > 0) {
      if (unknown.size > 100_000) unknown.clear();
      unknown.set(key, now() + unknownCacheMs);
    }
    return visible;
  }

  return {
    async get(electionId) {
      const key = electionId.toString();
      const hit = cache.get(key);
      if (hit && hit.expires > now()) return hit.election;
      const unknownUntil = unknown.get(key);
      if (unknownUntil !== undefined && unknownUntil > now()) return null;
      let pending = inflight.get(key);
      if (!pending) {
        pending = load(electionId).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return pending;
    },
    invalidate(electionId) {
      if (electionId === undefined) {
        cache.clear();
        unknown.clear();
      } else {
        cache.delete(electionId.toString());
        unknown.delete(electionId.toString());
      }
    },
  };
}
