/**
 * Batch formation. In one database transaction: take up to MAX_BATCH queued votes of an election
 * (`FOR UPDATE SKIP LOCKED`, oldest first), give them the election's next seqs, write the batch,
 * and move the election's next_seq on. A batch is formed when it is full or its oldest vote waited
 * MAX_WAIT_MS. Votes whose election stopped recording (recordUntil passed) fail with that reason.
 */
import type pg from "pg";
import type { Db } from "../db/pool.js";
import { returnedId, withTransaction } from "../db/pool.js";
import { failpoint } from "./failpoints.js";

export interface FormedBatch {
  id: string;
  electionId: string;
  firstSeq: number;
  voteCount: number;
}

export interface Batcher {
  /** Forms every batch that is due now; returns them. */
  formDue(now?: Date): Promise<FormedBatch[]>;
  /** Fails queued votes of elections past recordUntil; returns their ids. */
  expire(now?: Date): Promise<string[]>;
}

export function createBatcher(deps: {
  db: Db;
  maxBatch: number;
  maxWaitMs: number;
  /** Called in the same transaction with the ids of votes that failed (for webhooks). */
  onVotesFailed?: (client: pg.PoolClient, voteIds: string[]) => Promise<void>;
}): Batcher {
  const { db, maxBatch, maxWaitMs } = deps;

  async function formOne(client: pg.PoolClient, electionId: string, now: Date): Promise<FormedBatch | null> {
    // The election row lock serialises seq assignment even if two batchers ever ran.
    const election = await client.query<{ next_seq: string }>(
      `select next_seq from elections
        where election_id = $1 and state = 'active' and not needs_reconcile and opens_at <= $2 and record_until > $2
        for update`,
      [electionId, now],
    );
    const row = election.rows[0];
    if (!row) return null;
    // The wait is measured on the database's clock, the one that wrote accepted_at.
    const { rows: votes } = await client.query<{ id: string; accepted_at: Date; db_now: Date }>(
      `select id, accepted_at, now() as db_now from votes
        where election_id = $1 and state = 'queued'
        order by id
        limit $2
        for update skip locked`,
      [electionId, maxBatch],
    );
    if (votes.length === 0) return null;
    const first = votes[0] as { accepted_at: Date; db_now: Date };
    if (votes.length < maxBatch && first.db_now.getTime() - first.accepted_at.getTime() < maxWaitMs) return null;
    const firstSeq = Number(row.next_seq);
    const batchId = returnedId(
      await client.query<{ id: string }>(
        `insert into batches (election_id, first_seq, vote_count, state) values ($1, $2, $3, 'formed') returning id`,
        [electionId, firstSeq, votes.length],
      ),
      "insert into batches",
    );
    await client.query(
      `update votes v set state = 'batched', batch_id = $1, seq = $2 + o.ord - 1
         from unnest($3::bigint[]) with ordinality as o(id, ord)
        where v.id = o.id`,
      [batchId, firstSeq, votes.map((v) => v.id)],
    );
    await client.query("update elections set next_seq = $2, updated_at = now() where election_id = $1", [
      electionId,
      firstSeq + votes.length,
    ]);
    return { id: batchId, electionId, firstSeq, voteCount: votes.length };
  }

  return {
    async formDue(now = new Date()) {
      // Few elections, each probed through the queue index: no scan of the queue itself.
      const { rows } = await db.query<{ election_id: string }>(
        `select e.election_id from elections e
          where e.state = 'active' and not e.needs_reconcile
            and exists (select 1 from votes v where v.election_id = e.election_id and v.state = 'queued')`,
      );
      const formed: FormedBatch[] = [];
      for (const { election_id } of rows) {
        // Keep forming while full batches are waiting (a backlog drains in one pass).
        for (;;) {
          const batch = await withTransaction(db, (client) => formOne(client, election_id, now));
          if (!batch) break;
          failpoint("after_form");
          formed.push(batch);
          if (batch.voteCount < maxBatch) break;
        }
      }
      return formed;
    },

    async expire(now = new Date()) {
      return withTransaction(db, async (client) => {
        const { rows } = await client.query<{ id: string; election_id: string }>(
          `update votes v set state = 'failed', failure_reason = 'recording_ended'
             from elections e
            where v.election_id = e.election_id and v.state = 'queued' and e.record_until <= $1
            returning v.id, v.election_id`,
          [now],
        );
        if (rows.length > 0 && deps.onVotesFailed)
          await deps.onVotesFailed(
            client,
            rows.map((r) => r.id),
          );
        return rows.map((r) => r.id);
      });
    },
  };
}
