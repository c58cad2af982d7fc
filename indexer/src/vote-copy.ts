/**
 * Votes are most of what the indexer writes: they go in with COPY, in the batch's transaction
 * (TypeORM's INSERT builder is several times slower).
 *
 * In final blocks, the handler streams them: each transaction's votes are written to an open COPY
 * as soon as their batch is known, so that Postgres stores them while the handler reads the next
 * ones (on two cores, the two run side by side). In hot blocks, those that can still be rolled
 * back, the store's change tracker must first record the inserts (as store.insert() would), so
 * they are written at the end, at once (insertVotes).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Store } from "@subsquid/typeorm-store";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { entityManager } from "./db.js";
import { Vote } from "./model/index.js";
import { hotChangeTracker } from "./subsquid/index.js";

const COPY_VOTES =
  "copy vote (id, seq, ref, choice, vote_hash, block_number, block_hash, timestamp, tx_hash, log_index, in_grace_period, election_id, batch_id) from stdin";

/** Fewer votes than this go in through store.insert(): a COPY is not worth it. */
const COPY_FROM = 50;

/** COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
const COPY_SPECIAL = /[\\\t\n\r]/;
export function copyText(value: string | number | boolean | null): string {
  if (value === null) return "\\N";
  if (typeof value !== "string") return String(value);
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/** The rows of `votes` in COPY's text format, each line ending in a newline. */
function voteLines(votes: readonly Vote[]): string {
  // Hex strings, decimal numbers and ISO times cannot hold COPY's special characters: a vote's id
  // (election id and seq, decimal, joined by "-"), ref and vote hash (lowercase hex from
  // decode.ts) go in as they are; the values shared by consecutive votes (block, transaction,
  // election, batch) are escaped anyway, and formatted once.
  const once = <T>(format: (value: T) => string) => {
    let last: T | undefined;
    let text = "";
    return (value: T) => {
      if (value !== last) {
        last = value;
        text = format(value);
      }
      return text;
    };
  };
  const iso = once((date: Date) => date.toISOString());
  const blockHash = once(copyText);
  const txHash = once(copyText);
  const electionId = once(copyText);
  const batchId = once(copyText);
  let text = "";
  for (const v of votes) {
    text += `${v.id}\t${v.seq}\t${v.ref}\t${v.choice}\t${v.voteHash}\t${v.blockNumber}\t${blockHash(v.blockHash)}\t${iso(v.timestamp)}\t${txHash(v.txHash)}\t${v.logIndex}\t${v.inGracePeriod}\t${electionId(v.election.id)}\t${batchId(v.batch.id)}\n`;
  }
  return text;
}

/** Whether this batch is a hot block's (typeorm-store then tracks its changes, to roll them back). */
export function inHotBlock(store: Store): boolean {
  return hotChangeTracker(store) !== undefined;
}

/** Votes of hot blocks, or too few to stream: at the end of the batch, at once. */
export async function insertVotes(store: Store, votes: Vote[]): Promise<void> {
  const queryRunner = entityManager(store).queryRunner;
  if (votes.length < COPY_FROM || !queryRunner) {
    await store.insert(votes);
    return;
  }
  // In a hot block, the same change-log records store.insert() would write, so a rollback deletes them.
  await hotChangeTracker(store)?.trackInsert(Vote, votes);
  const client = (await queryRunner.connect()) as pg.ClientBase;
  await pipeline(Readable.from([voteLines(votes)]), client.query(copyFrom(COPY_VOTES)));
}

export interface VoteStream {
  /** Queues these votes (their batch assigned) for the open COPY, opening one if needed. */
  write(votes: readonly Vote[]): void;
  /**
   * Ends the open COPY, if any, and waits until Postgres has stored it (or throws its error).
   * Before any other query in the transaction: the connection serves one statement at a time.
   */
  flush(): Promise<void>;
  /** Cancels the open COPY (the batch failed), so that the connection can roll back. */
  abort(): Promise<void>;
}

/**
 * A stream for the batch's votes, or undefined when they must go in at the end (hot blocks, few
 * votes, no transaction of our own): then insertVotes().
 */
export async function openVoteStream(store: Store, voteCount: number): Promise<VoteStream | undefined> {
  const queryRunner = entityManager(store).queryRunner;
  if (voteCount < COPY_FROM || !queryRunner || hotChangeTracker(store)) return undefined;
  const client = (await queryRunner.connect()) as pg.ClientBase;
  let copy: ReturnType<typeof copyFrom> | undefined;
  let done: Promise<void> | undefined;
  return {
    write(votes) {
      if (votes.length === 0) return;
      if (!copy) {
        const stream = client.query(copyFrom(COPY_VOTES));
        // Listened to at once and for good, so that an error while the handler is busy (and any
        // write refused after it) is kept for flush(), not thrown at the process.
        done = new Promise<void>((resolve, reject) => {
          stream.once("finish", resolve);
          stream.on("error", reject);
        });
        done.catch(() => {});
        copy = stream;
      }
      copy.write(voteLines(votes));
    },
    async flush() {
      if (!copy) return;
      const finished = done;
      copy.end();
      copy = undefined;
      done = undefined;
      await finished;
    },
    async abort() {
      if (!copy) return;
      const finished = done;
      copy.destroy(new Error("the batch failed"));
      copy = undefined;
      done = undefined;
      await finished?.catch(() => {});
    },
  };
}
