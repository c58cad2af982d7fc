/**
 * Inserts accepted votes with group commit: requests that arrive while an insert is running are
 * written together by the next one (one multi-row INSERT, one commit), up to `maxConcurrent`
 * inserts at a time. At low load every vote is written alone at once; under load the commit cost
 * is shared, which is what lets the relayer keep up with a bare one-INSERT-per-request endpoint.
 * Each caller is answered only after the commit that holds its row.
 */
import type { Db } from "../db/pool.js";

export interface VoteRow {
  electionId: string;
  clientId: string;
  voterHash: Buffer;
  ref: Buffer;
  choice: number;
  voteHash: Buffer;
}

/** inserted; duplicate_voter: the voter already voted in this election; ref_taken: draw a new ref. */
export type WriteOutcome = { kind: "inserted"; id: string } | { kind: "duplicate_voter" } | { kind: "ref_taken" };

export interface VoteWriter {
  write(row: VoteRow): Promise<WriteOutcome>;
  stats(): { flushes: number; rows: number };
}

interface Pending {
  row: VoteRow;
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

export function createVoteWriter(db: Db, options: { maxRows?: number; maxConcurrent?: number } = {}): VoteWriter {
  const maxRows = options.maxRows ?? 1000;
  const maxConcurrent = options.maxConcurrent ?? 4;
  let queue: Pending[] = [];
  let running = 0;
  let flushes = 0;
  let rowsWritten = 0;
  let scheduled = false;

  async function flush(group: Pending[]): Promise<void> {
    const rows = group.map((p) => p.row);
    const { rows: inserted } = await db.query<{ id: string; ref: Buffer }>(
      `insert into votes (election_id, client_id, voter_hash, ref, choice, vote_hash)
       select * from unnest($1::numeric[], $2::bigint[], $3::bytea[], $4::bytea[], $5::int[], $6::bytea[])
       on conflict do nothing
       returning id, ref`,
      [
        rows.map((r) => r.electionId),
        rows.map((r) => r.clientId),
        rows.map((r) => r.voterHash),
        rows.map((r) => r.ref),
        rows.map((r) => r.choice),
        rows.map((r) => r.voteHash),
      ],
    );
    const ids = new Map(inserted.map((r) => [r.ref.toString("hex"), r.id]));
    const missing = group.filter((p) => !ids.has(p.row.ref.toString("hex")));
    let votedVoters = new Set<string>();
    if (missing.length > 0) {
      const { rows: found } = await db.query<{ election_id: string; voter_hash: Buffer }>(
        `select election_id, voter_hash from votes
          where (election_id, voter_hash) in (select * from unnest($1::numeric[], $2::bytea[]))`,
        [missing.map((p) => p.row.electionId), missing.map((p) => p.row.voterHash)],
      );
      votedVoters = new Set(found.map((r) => `${r.election_id}:${r.voter_hash.toString("hex")}`));
    }
    for (const p of group) {
      const id = ids.get(p.row.ref.toString("hex"));
      if (id !== undefined) p.resolve({ kind: "inserted", id });
      else if (votedVoters.has(`${p.row.electionId}:${p.row.voterHash.toString("hex")}`)) {
        p.resolve({ kind: "duplicate_voter" });
      } else p.resolve({ kind: "ref_taken" });
    }
    flushes++;
    rowsWritten += inserted.length;
  }

  function pump(): void {
    while (running < maxConcurrent && queue.length > 0) {
      const group = queue.length <= maxRows ? queue : queue.slice(0, maxRows);
      queue = queue.length <= maxRows ? [] : queue.slice(maxRows);
      running++;
      flush(group)
        .catch((error) => {
          for (const p of group) p.reject(error);
        })
        .finally(() => {
          running--;
          pump();
        });
    }
  }

  return {
    write(row) {
      return new Promise<WriteOutcome>((resolve, reject) => {
        queue.push({ row, resolve, reject });
        // Wait for the end of this round of I/O callbacks: requests parsed in it go together.
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            pump();
          });
        }
      });
    },
    stats: () => ({ flushes, rows: rowsWritten }),
  };
}
