/**
 * The batch handler: turns VoteRegistry's events into elections, votes, batches, aggregates and
 * integrity checks. Everything a batch changes is read once and written once per entity type;
 * aggregates are kept up to date here so that nothing is computed by scanning votes at read time.
 *
 * This file is the order of things; what each event does is in batch/ (pure functions over the
 * entities, unit-tested alone), repeats in batch/repeats.ts, the writes in batch/write.ts.
 */
import { In } from "typeorm";
import { classifySeq, type SeqOutcome } from "./aggregate.js";
import { createBucketCounter } from "./batch/buckets.js";
import { createChainCheck, type StatusOptions, writeStatus } from "./batch/chain-check.js";
import {
  applyClosed,
  applyCreated,
  countBatch,
  countVote,
  inGracePeriod,
  newElection,
  noteVoteTime,
  refreshTallyConsistency,
} from "./batch/elections.js";
import { createIdStrings, type EventItem, registryEvents } from "./batch/events.js";
import { applySeq, createGapChanges, loadedGaps, toGap } from "./batch/gaps.js";
import { createIndexBuilder } from "./batch/index-builds.js";
import { placeholderElection } from "./batch/placeholder-election.js";
import { batchRow, createGasAttribution, duplicateSeqIssue, repeatIssue, voteRow } from "./batch/records.js";
import { createRepeatCheck, loadSeenValues } from "./batch/repeats.js";
import { createTransactionGrouper } from "./batch/transactions.js";
import { writeBatchChanges } from "./batch/write.js";
import { type Batch, Election, type IntegrityIssue, SeqGap, type Vote } from "./model/index.js";
import type { Block, Context } from "./processor.js";
import { createSeenValues } from "./seen.js";
import { openVoteStream } from "./vote-copy.js";

export { STATUS_ID } from "./batch/chain-check.js";
export type HandlerOptions = StatusOptions;

const NEXT: SeqOutcome = { kind: "next" };

export function createBatchHandler(options: HandlerOptions) {
  const contract = options.contractAddress.toLowerCase();
  const seen = createSeenValues();
  const chainCheck = createChainCheck(options);
  const buildIndexesAtHead = createIndexBuilder();

  return async function handleBatch(ctx: Context): Promise<void> {
    // First, so that the builds run beside this batch's work.
    buildIndexesAtHead(ctx);
    const store = ctx.store;
    const items = registryEvents(ctx.blocks, contract);
    const lastBlock = ctx.blocks[ctx.blocks.length - 1]?.header;
    const idOf = createIdStrings();
    const { answer: chainAnswer } = await chainCheck.start(ctx);

    if (items.length === 0) {
      await chainAnswer;
      await writeStatus(store, chainCheck.status(ctx, lastBlock, new Date()));
      return;
    }

    // ---- read what this batch touches, once ----
    const electionIds = [...new Set(items.map((item) => idOf(item.event.args.electionId)))];
    const elections = new Map((await store.findBy(Election, { id: In(electionIds) })).map((e) => [e.id, e]));
    await loadSeenValues(store, seen, elections.values());
    const repeats = createRepeatCheck(seen);
    let voteCount = 0;
    for (const item of items) {
      if (item.event.kind !== "vote") continue;
      voteCount += 1;
      // Lowercase hex from the decoder.
      repeats.note(idOf(item.event.args.electionId), item.event.args.ref, item.event.args.voteHash);
    }
    await repeats.loadFirsts(store);

    // In final blocks each transaction's votes go to Postgres as soon as their batch is known (vote-copy.ts).
    const voteStream = await openVoteStream(store, voteCount);
    /** Votes that are not streamed (hot blocks, few votes), for the writes at the end. */
    const votes: Vote[] = [];
    const transactions = createTransactionGrouper((settled) => {
      if (voteStream) voteStream.write(settled);
      else for (const vote of settled) votes.push(vote);
    });
    const gaps = createGapChanges();
    // Gaps are loaded only if a seq arrives below the next expected one (never, from this contract).
    const gapsOf = async (election: Election) => {
      const loaded = gaps.loaded.get(election.id);
      if (loaded) return loaded;
      await voteStream?.flush();
      return loadedGaps(gaps, election, await store.find(SeqGap, { where: { election: { id: election.id } } }));
    };
    const batches: Batch[] = [];
    const issues: IntegrityIssue[] = [];
    const buckets = createBucketCounter();
    const costOf = createGasAttribution();
    const blocksWithEvents = new Map<number, Block>();
    const touched = new Set<string>();

    // Synchronous when the election is known (every vote but an unseen election's first): no await per vote.
    const electionFor = (id: bigint, item: EventItem): Election | Promise<Election> => {
      const key = idOf(id);
      const election = elections.get(key);
      if (election) {
        touched.add(key);
        return election;
      }
      return placeholderElection(ctx, contract, id, item).then((placeholder) => {
        elections.set(key, placeholder);
        touched.add(key);
        return placeholder;
      });
    };

    let atBlock: Block | undefined;
    let at = new Date(0);
    // The first and last vote times, once per election and block: the votes of a block share its time.
    let timesFor: Election | undefined;
    let timesAt: Date | undefined;
    try {
      for (const item of items) {
        transactions.at(item.txHash);
        const { block, log, event } = item;
        if (block !== atBlock) {
          atBlock = block;
          at = new Date(block.timestamp);
        }
        blocksWithEvents.set(block.height, block);
        switch (event.kind) {
          case "created": {
            const key = idOf(event.args.electionId);
            const existing = elections.get(key);
            if (existing?.createdEventSeen) {
              ctx.log.warn(`block ${block.height}: ElectionCreated for existing election ${key} ignored`);
              break;
            }
            const election = existing ?? newElection(key);
            applyCreated(election, event.args, { height: block.height, at, txHash: item.txHash });
            elections.set(key, election);
            touched.add(key);
            break;
          }
          case "closed": {
            const election = await electionFor(event.args.electionId, item);
            applyClosed(election, event.args.closesAt, block.height, at);
            break;
          }
          case "vote": {
            const args = event.args;
            const found = electionFor(args.electionId, item);
            const election = found instanceof Promise ? await found : found;
            // The next expected seq is the contract's only way; anything else is classified.
            const outcome: SeqOutcome =
              args.seq === election.nextExpectedSeq
                ? NEXT
                : classifySeq(
                    args.seq,
                    election.nextExpectedSeq,
                    election.missingSeqCount > 0n ? [...(await gapsOf(election)).values()].map(toGap) : [],
                  );
            if (outcome.kind === "duplicate") {
              issues.push(duplicateSeqIssue(election, args.seq, block.height, log.logIndex));
              break;
            }
            if (outcome.kind === "fills") await gapsOf(election);
            applySeq(gaps, election, args.seq, outcome);

            const inGrace = inGracePeriod(election, at);
            transactions.addVote(voteRow(election, args, block, at, item.txHash, log.logIndex, inGrace));
            countVote(election, args.choice, inGrace);
            if (election !== timesFor || at !== timesAt) {
              timesFor = election;
              timesAt = at;
              noteVoteTime(election, at);
            }
            buckets.count(election.id, at.getTime());

            const earlierRef = repeats.earlierRef(election.id, args.ref, args.seq);
            if (earlierRef !== undefined) {
              issues.push(repeatIssue("duplicate_ref", election, args.ref, args.seq, earlierRef, block.height));
              election.duplicateRefCount += 1;
            }
            const earlierHash = repeats.earlierHash(election.id, args.voteHash, args.seq);
            if (earlierHash !== undefined) {
              issues.push(repeatIssue("duplicate_hash", election, args.voteHash, args.seq, earlierHash, block.height));
              election.duplicateHashCount += 1;
            }
            break;
          }
          case "batch": {
            const election = await electionFor(event.args.electionId, item);
            const cost = costOf(log, item.txHash);
            const batch = batchRow(
              election,
              event.args,
              block,
              at,
              item.txHash,
              log.logIndex,
              cost,
              inGracePeriod(election, at),
            );
            batches.push(batch);
            transactions.addBatch(batch, log.logIndex);
            countBatch(election, cost.gas, cost.fee);
            break;
          }
        }
      }
      transactions.settle();
      await voteStream?.flush();
    } catch (error) {
      // The connection is then free for the transaction's rollback.
      await voteStream?.abort();
      throw error;
    }

    const touchedElections = [...touched].map((id) => elections.get(id)).filter((e): e is Election => e !== undefined);
    for (const election of touchedElections) refreshTallyConsistency(election);
    await writeBatchChanges(store, {
      elections: touchedElections,
      batches,
      votes: voteStream ? undefined : votes,
      bucketCounts: buckets.counts,
      gaps,
      issues,
      blocksWithEvents: blocksWithEvents.values(),
    });
    // The chain check's answer, last: a mismatch throws, and the batch's transaction (all of the
    // above) rolls back. Awaited here, the node's answer arrives while the writes run.
    await chainAnswer;
    await writeStatus(store, chainCheck.status(ctx, lastBlock, new Date()));
  };
}
