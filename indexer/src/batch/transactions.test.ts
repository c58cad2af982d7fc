import { NonRetryableError } from "@veritally/contracts";
import { describe, expect, test } from "vitest";
import { Batch, Vote } from "../model/index.js";
import { newElection } from "./elections.js";
import { createTransactionGrouper } from "./transactions.js";

const election = newElection("1");
const other = newElection("2");

function vote(seq: bigint, logIndex: number, e = election): Vote {
  return new Vote({ id: `${e.id}-${seq}`, election: e, seq, logIndex, txHash: "0xt" });
}
function batch(firstSeq: bigint, count: number, e = election): Batch {
  return new Batch({ id: `b${e.id}-${firstSeq}`, election: e, firstSeq, count });
}

describe("votes wait for their transaction's BatchRecorded", () => {
  test("each transaction's votes are settled with their batch when the next transaction starts", () => {
    const settled: Vote[][] = [];
    const grouper = createTransactionGrouper((votes) => settled.push(votes));
    const first = batch(0n, 2);
    grouper.at("0xa");
    grouper.addVote(vote(0n, 0));
    grouper.addVote(vote(1n, 1));
    grouper.addBatch(first, 2);
    expect(settled).toEqual([]);
    grouper.at("0xa");
    expect(settled).toEqual([]);
    grouper.at("0xb");
    expect(settled.map((votes) => votes.map((v) => v.batch.id))).toEqual([[first.id, first.id]]);
  });

  test("two elections' batches in one transaction: each vote gets its own election's", () => {
    const settled: Vote[][] = [];
    const grouper = createTransactionGrouper((votes) => settled.push(votes));
    const mine = batch(0n, 1);
    const theirs = batch(0n, 1, other);
    grouper.at("0xa");
    grouper.addVote(vote(0n, 0));
    grouper.addBatch(mine, 1);
    grouper.addVote(vote(0n, 2, other));
    grouper.addBatch(theirs, 3);
    grouper.settle();
    expect(settled[0]?.map((v) => v.batch.id)).toEqual([mine.id, theirs.id]);
  });

  test("a vote with no BatchRecorded after it is fatal, naming the vote and its transaction", () => {
    const grouper = createTransactionGrouper(() => {});
    grouper.at("0xa");
    grouper.addBatch(batch(0n, 1), 0);
    grouper.addVote(vote(0n, 1));
    expect(() => grouper.settle()).toThrow(NonRetryableError);
    grouper.addVote(vote(0n, 1));
    expect(() => grouper.settle()).toThrow(/vote 1-0 in transaction 0xt has no BatchRecorded/);
  });
});
