/**
 * The batch handler: turns VoteRegistry's events into elections, votes, batches, aggregates and
 * integrity checks. Everything a batch changes is read once and written once per entity type;
 * aggregates are kept up to date here so that nothing is computed by scanning votes at read time.
 *
 * This file is the order of things; what each event does is in batch/ (pure functions over the
 * entities, unit-tested alone), repeats in batch/repeats.ts, the writes in batch/write.ts.
 */
import { loadSodiumOps } from "@veritally/crypto/sodium";
import { In } from "typeorm";
import { classifySeq, type SeqOutcome } from "./aggregate.js";
import {
  ballotRow,
  bytesOfHex,
  countBallot,
  createBallotChecks,
  invalidBallotIssue,
  openAggregate,
  type RunningAggregate,
  storeAggregate,
  trackerOf,
} from "./batch/ballots.js";
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
import { createTrackerCheck } from "./batch/trackers.js";
import { createTransactionGrouper } from "./batch/transactions.js";
import { applySecretCreated, applyShare, applyTally, createKeyRecords } from "./batch/trustees.js";
import { writeBatchChanges } from "./batch/write.js";
import {
  type Ballot,
  type Batch,
  type DecryptionShare,
  Election,
  type IntegrityIssue,
  SeqGap,
  type Vote,
} from "./model/index.js";
import type { Block, Context } from "./processor.js";
import { createSeenValues } from "./seen.js";
import { openVoteStream } from "./vote-copy.js";

export { STATUS_ID } from "./batch/chain-check.js";
export type HandlerOptions = StatusOptions;

const NEXT = { kind: "next" } as const satisfies SeqOutcome;

export function createBatchHandler(options: HandlerOptions) {
  const contract = options.contractAddress.toLowerCase();
  const seen = createSeenValues();
  const chainCheck = createChainCheck(options);
  const buildIndexesAtHead = createIndexBuilder();
  // Kept across batches: a verifier per secret election, a verified key record per ceremony record.
  const chain = { chainId: options.chainId, contractAddress: contract };
  const ballotChecks = createBallotChecks(chain);
  const keyRecords = createKeyRecords(chain);
  const sodium = loadSodiumOps();

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
    // Each ballot's bytes and tracker, in event order; earlier ballots with the same trackers.
    const sealed: { bytes: Uint8Array; tracker: string }[] = [];
    for (const item of items) {
      if (item.event.kind !== "ballot") continue;
      const bytes = bytesOfHex(item.event.args.ballot);
      sealed.push({ bytes, tracker: trackerOf(bytes) });
    }
    const trackers = createTrackerCheck();
    await trackers.load(
      store,
      sealed.map((s) => s.tracker),
    );
    let sealedIndex = 0;

    // In final blocks each transaction's votes go to Postgres as soon as their batch is known (vote-copy.ts).
    const voteStream = await openVoteStream(store, voteCount);
    /** Votes that are not streamed (hot blocks, few votes), for the writes at the end. */
    const votes: Vote[] = [];
    const transactions = createTransactionGrouper((settled) => {
      if (voteStream) voteStream.write(settled);
      else for (const vote of settled) votes.push(vote);
    });
    const ballots: Ballot[] = [];
    const ballotTransactions = createTransactionGrouper<Ballot>((settled) => {
      for (const ballot of settled) ballots.push(ballot);
    });
    const shares: DecryptionShare[] = [];
    // Secret elections' running aggregates, opened from the row at their first valid ballot in this batch.
    const ops = await sodium;
    const aggregates = new Map<string, RunningAggregate>();
    const aggregateFor = (election: Election): RunningAggregate => {
      let aggregator = aggregates.get(election.id);
      if (!aggregator) {
        aggregator = openAggregate(election, ops);
        aggregates.set(election.id, aggregator);
      }
      return aggregator;
    };
    /** Writes the aggregate back to the row: before a share or tally is checked against it, and at the end. */
    const flushAggregate = (election: Election): void => {
      const aggregator = aggregates.get(election.id);
      if (!aggregator) return;
      storeAggregate(election, aggregator);
      aggregates.delete(election.id);
    };
    const gaps = createGapChanges();
    // Gaps are loaded only if a seq arrives below the next expected one (never, from this contract).
    const gapsOf = async (election: Election) => {
      const loaded = gaps.loaded.get(election.id);
      if (loaded) return loaded;
      await voteStream?.flush();
      return loadedGaps(gaps, election, await store.find(SeqGap, { where: { election: { id: election.id } } }));
    };
    const batches: Batch[] = [];
    let atBlock: Block | undefined;
    let at = new Date(0);
    // The first and last vote times, once per election and block: the votes of a block share its time.
    let timesFor: Election | undefined;
    let timesAt: Date | undefined;
    const issues: IntegrityIssue[] = [];
    const buckets = createBucketCounter();
    const costOf = createGasAttribution();
    /**
     * The gap-free sequence, for votes and ballots alike: true when the seq is taken (next,
     * opening a gap or filling one), false for a duplicate (an integrity issue). Synchronous for
     * the next expected seq, the contract's only way.
     */
    const seqTaken = (
      election: Election,
      seq: bigint,
      height: number,
      logIndex: number,
    ): boolean | Promise<boolean> => {
      if (seq === election.nextExpectedSeq) {
        applySeq(gaps, election, seq, NEXT);
        return true;
      }
      return (async () => {
        const outcome = classifySeq(
          seq,
          election.nextExpectedSeq,
          election.missingSeqCount > 0n ? [...(await gapsOf(election)).values()].map(toGap) : [],
        );
        if (outcome.kind === "duplicate") {
          issues.push(duplicateSeqIssue(election, seq, height, logIndex));
          return false;
        }
        if (outcome.kind === "fills") await gapsOf(election);
        applySeq(gaps, election, seq, outcome);
        return true;
      })();
    };
    const noteTime = (election: Election) => {
      if (election !== timesFor || at !== timesAt) {
        timesFor = election;
        timesAt = at;
        noteVoteTime(election, at);
      }
      buckets.count(election.id, at.getTime());
    };
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

    try {
      for (const item of items) {
        transactions.at(item.txHash);
        ballotTransactions.at(item.txHash);
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
            const taken = seqTaken(election, args.seq, block.height, log.logIndex);
            if (taken instanceof Promise ? !(await taken) : !taken) break;

            const inGrace = inGracePeriod(election, at);
            transactions.addVote(voteRow(election, args, block, at, item.txHash, log.logIndex, inGrace));
            countVote(election, args.choice, inGrace);
            noteTime(election);

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
            ballotTransactions.addBatch(batch, log.logIndex);
            countBatch(election, cost.gas, cost.fee);
            break;
          }
          case "secretCreated": {
            const election = await electionFor(event.args.electionId, item);
            if (election.threshold != null) {
              ctx.log.warn(`block ${block.height}: SecretElectionCreated for existing election ${election.id} ignored`);
              break;
            }
            applySecretCreated(election, event.args, keyRecords);
            break;
          }
          case "ballot": {
            const args = event.args;
            const ballot = sealed[sealedIndex++];
            if (!ballot) throw new Error(`block ${block.height} log ${log.logIndex}: ballot not read before the loop`);
            const found = electionFor(args.electionId, item);
            const election = found instanceof Promise ? await found : found;
            const taken = seqTaken(election, args.seq, block.height, log.logIndex);
            if (taken instanceof Promise ? !(await taken) : !taken) break;

            const { bytes, tracker } = ballot;
            const checked = ballotChecks.verify(election, bytes);
            const result = checked instanceof Promise ? await checked : checked;
            const inGrace = inGracePeriod(election, at);
            const where = { block, at, txHash: item.txHash, logIndex: log.logIndex, inGrace };
            ballotTransactions.addVote(ballotRow(election, args, bytes, tracker, result, where));
            const earlier = trackers.earlier(election.id, tracker, args.seq);
            if (earlier !== undefined) {
              issues.push(repeatIssue("duplicate_tracker", election, tracker, args.seq, earlier, block.height));
            }
            // Into the aggregate before counting: the aggregate opens with the count of valid ballots so far.
            if (result.ok) aggregateFor(election).add(bytes);
            else issues.push(invalidBallotIssue(election, args.seq, result.reason, block.height));
            countBallot(election, result.ok, inGrace);
            noteTime(election);
            break;
          }
          case "share": {
            const election = await electionFor(event.args.electionId, item);
            flushAggregate(election);
            const where = { block, at, txHash: item.txHash, logIndex: log.logIndex };
            shares.push(applyShare(election, event.args, where, keyRecords));
            break;
          }
          case "tally": {
            const election = await electionFor(event.args.electionId, item);
            if (election.tallyCounts != null) {
              ctx.log.warn(`block ${block.height}: a second TallyPublished for election ${election.id} ignored`);
              break;
            }
            flushAggregate(election);
            applyTally(election, event.args, { block, at, txHash: item.txHash, logIndex: log.logIndex }, keyRecords);
            break;
          }
        }
      }
      transactions.settle();
      ballotTransactions.settle();
      await voteStream?.flush();
    } catch (error) {
      // The connection is then free for the transaction's rollback.
      await voteStream?.abort();
      throw error;
    }

    const touchedElections = [...touched].map((id) => elections.get(id)).filter((e): e is Election => e !== undefined);
    for (const election of touchedElections) {
      flushAggregate(election);
      refreshTallyConsistency(election);
    }
    await writeBatchChanges(store, {
      elections: touchedElections,
      batches,
      votes: voteStream ? undefined : votes,
      ballots,
      shares,
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
