/**
 * The batch handler: turns VoteRegistry's events into elections, votes, batches, aggregates and
 * integrity checks. Everything a batch changes is read once and written once per entity type;
 * aggregates are kept up to date here so that nothing is computed by scanning votes at read time.
 *
 * Run as a program (`npm run process -w indexer`), this file starts the indexer (see runner.ts).
 */
import { pathToFileURL } from "node:url";
import type { Store } from "@subsquid/typeorm-store";
import { metadataHashOf, NonRetryableError, parseElectionMetadata } from "@veritally/contracts";
import { In } from "typeorm";
import * as registry from "./abi/VoteRegistry.js";
import {
  assignBatches,
  bucketId,
  bucketStart,
  classifySeq,
  type Gap,
  type Granularity,
  gapSize,
  indexedBlockId,
  type SeqOutcome,
  voteId,
} from "./aggregate.js";
import { entityManager } from "./db.js";
import { decodeVoteRecorded } from "./decode.js";
import { buildDeferredIndexes } from "./deferred-indexes.js";
import {
  Batch,
  Election,
  IndexedBlock,
  IndexerStatus,
  IntegrityIssue,
  SeqGap,
  Vote,
  VoteBucket,
} from "./model/index.js";
import type { Block, Context, Log } from "./processor.js";
import { ChainMismatchError } from "./reorg.js";
import { createSeenValues } from "./seen.js";
import { inHotBlock, insertVotes, openVoteStream } from "./vote-copy.js";

export interface HandlerOptions {
  chainId: number;
  contractAddress: string;
  startBlock: number;
  finalityConfirmation: number;
}

export const STATUS_ID = "status";

type RegistryEvent =
  | { kind: "created"; args: ReturnType<typeof registry.events.ElectionCreated.decode> }
  | { kind: "closed"; args: ReturnType<typeof registry.events.ElectionClosed.decode> }
  | { kind: "vote"; args: ReturnType<typeof registry.events.VoteRecorded.decode> }
  | { kind: "batch"; args: ReturnType<typeof registry.events.BatchRecorded.decode> };

interface Item {
  event: RegistryEvent;
  block: Block;
  log: Log;
  txHash: string;
}

function decode(log: Log): RegistryEvent | null {
  const topic = log.topics[0];
  try {
    switch (topic) {
      case registry.events.VoteRecorded.topic:
        return { kind: "vote", args: decodeVoteRecorded(log) };
      case registry.events.BatchRecorded.topic:
        return { kind: "batch", args: registry.events.BatchRecorded.decode(log) };
      case registry.events.ElectionCreated.topic:
        return { kind: "created", args: registry.events.ElectionCreated.decode(log) };
      case registry.events.ElectionClosed.topic:
        return { kind: "closed", args: registry.events.ElectionClosed.decode(log) };
      default:
        return null;
    }
  } catch (error) {
    // Only a contract other than VoteRegistry at CONTRACT_ADDRESS can emit these topics with other data.
    throw new NonRetryableError(
      "undecodable_event",
      `block ${log.block.height} log ${log.logIndex}: cannot decode ${topic} as a VoteRegistry event ` +
        `(is CONTRACT_ADDRESS a VoteRegistry?): ${(error as Error).message}`,
    );
  }
}

function seconds(value: bigint): Date {
  return new Date(Number(value) * 1000);
}

/** Per election, per value: the seq of the first vote (in chain order) that carried it. */
type FirstSeqs = Map<string, Map<string, bigint>>;

/**
 * The first stored vote per (election, value) among the values given, for the elections given.
 * Queried by value alone, so that the value's index is used (by election first, the planner
 * would walk the election's votes).
 */
async function storedFirstSeqs(
  store: Store,
  column: "ref" | "vote_hash",
  electionIds: Set<string>,
  values: string[],
): Promise<FirstSeqs> {
  const result: FirstSeqs = new Map();
  if (electionIds.size === 0 || values.length === 0) return result;
  const rows: { election_id: string; value: string; seq: string; block_number: number; log_index: number }[] =
    await entityManager(store).query(
      `select election_id, ${column} as value, seq::text as seq, block_number, log_index from vote
        where ${column} = any($1::text[]) order by block_number, log_index`,
      [values],
    );
  for (const row of rows) {
    if (!electionIds.has(row.election_id)) continue;
    let perElection = result.get(row.election_id);
    if (!perElection) {
      perElection = new Map();
      result.set(row.election_id, perElection);
    }
    if (!perElection.has(row.value)) perElection.set(row.value, BigInt(row.seq));
  }
  return result;
}

/** The seq of the first vote that carried `value` in the election, or undefined (and `seq` is now the first). */
function firstSeqOf(all: FirstSeqs, electionId: string, value: string, seq: bigint): bigint | undefined {
  let perElection = all.get(electionId);
  if (!perElection) {
    perElection = new Map();
    all.set(electionId, perElection);
  }
  const first = perElection.get(value);
  if (first === undefined) perElection.set(value, seq);
  return first;
}

const NEXT: SeqOutcome = { kind: "next" };

/** The part of a value seen.ts compares (0x and 13 hex digits): equal for a candidate and its first. */
function candidatePrefix(value: string): string {
  return value.slice(0, 15);
}

function newElection(id: string): Election {
  return new Election({
    id,
    metadataHash: "",
    metadataRaw: "",
    metadataValid: false,
    metadataError: null,
    title: null,
    description: null,
    choiceLabels: null,
    closed: false,
    closedAt: null,
    closedAtBlock: null,
    totalVotes: 0,
    tally: [],
    firstVoteAt: null,
    lastVoteAt: null,
    batchCount: 0,
    gasUsed: 0n,
    feesWei: 0n,
    graceVotes: 0,
    nextExpectedSeq: 0n,
    missingSeqCount: 0n,
    duplicateRefCount: 0,
    duplicateHashCount: 0,
    tallyConsistent: true,
    outOfRangeVotes: 0,
    createdEventSeen: false,
  });
}

function applyMetadata(election: Election, metadata: string, metadataHash: string, choiceCount: number): void {
  election.metadataRaw = metadata;
  election.metadataHash = metadataHash.toLowerCase();
  const parsed = parseElectionMetadata(metadata, choiceCount);
  let error: string | null = parsed.ok ? null : parsed.reason;
  // The contract hashes what it emits; checked anyway, from the event alone.
  if (!error && metadataHashOf(metadata).toLowerCase() !== election.metadataHash) {
    error = "metadata does not match metadataHash";
  }
  election.metadataValid = error === null;
  election.metadataError = error;
  if (parsed.ok && error === null) {
    election.title = parsed.metadata.title;
    election.description = parsed.metadata.description;
    election.choiceLabels = parsed.metadata.choices;
  } else {
    election.title = null;
    election.description = null;
    election.choiceLabels = null;
  }
}

export function createBatchHandler(options: HandlerOptions) {
  const contract = options.contractAddress.toLowerCase();
  const seen = createSeenValues();
  const lastCheck = { at: Number.NEGATIVE_INFINITY, chainHead: 0 };
  // At the head: the vote table's lookup indexes, each on a connection of its own, side by side.
  // Not awaited: this batch's work goes on beside the builds, and its writes to vote (or the next
  // batch's) wait for the builds' lock. The handler never waits for a build while its transaction
  // holds the table, so the two cannot deadlock; a build that fails is tried again at the next
  // batch at the head.
  let indexes: "missing" | "building" | "built" = "missing";
  const buildIndexesAtHead = (ctx: Context): void => {
    if (indexes !== "missing" || !ctx.isHead) return;
    indexes = "building";
    const started = performance.now();
    const connection = entityManager(ctx.store).connection;
    const log = ctx.log;
    // Each query on a pooled connection of its own, so that the builds run side by side.
    const run = async (sql: string, parameters?: unknown[]) => {
      const runner = connection.createQueryRunner();
      try {
        return await runner.query(sql, parameters);
      } finally {
        await runner.release();
      }
    };
    buildDeferredIndexes(run).then(
      (built) => {
        indexes = "built";
        if (built.length) {
          log.info(
            `at the chain head: built the vote table's lookup indexes (${built.length}) in ${Math.round(performance.now() - started)} ms`,
          );
        }
      },
      (error: Error) => {
        indexes = "missing";
        log.warn(`building the vote table's lookup indexes failed (tried again at the next batch): ${error.message}`);
      },
    );
  };

  return async function handleBatch(ctx: Context): Promise<void> {
    // First, so that the builds run beside this batch's work.
    buildIndexesAtHead(ctx);
    const store = ctx.store;
    const items: Item[] = [];
    for (const block of ctx.blocks) {
      for (const log of block.logs) {
        if (log.address !== contract) continue;
        const event = decode(log);
        if (event) items.push({ event, block: block.header, log, txHash: log.transactionHash });
      }
    }
    const lastBlock = ctx.blocks[ctx.blocks.length - 1]?.header;
    // Election ids as strings, once per distinct id (a BigInt's toString is not free, per vote).
    let lastIdValue: bigint | undefined;
    let lastIdString = "";
    const idOf = (value: bigint): string => {
      if (value !== lastIdValue) {
        lastIdValue = value;
        lastIdString = value.toString();
      }
      return lastIdString;
    };

    // Before adding anything: is the last block this database holds still on the chain? The
    // processor checks this for hot blocks, not for blocks it took as final (see reorg.ts). While
    // catching up, the node is busy serving the processor: then once a second, and at the head.
    // The answer is awaited after the writes, before the transaction commits: the node may be slow
    // to answer while it serves the processor's prefetching, and nothing written depends on it.
    let chainCheck: Promise<void> = Promise.resolve();
    if (ctx.isHead || performance.now() - lastCheck.at >= 1000) {
      lastCheck.at = performance.now();
      const [lastIndexed] = await store.find(IndexedBlock, { order: { height: "DESC" }, take: 1 });
      chainCheck = Promise.all([
        ctx._chain.client.call<string>("eth_blockNumber"),
        lastIndexed
          ? ctx._chain.client.call<{ hash: string } | null>("eth_getBlockByNumber", [
              `0x${lastIndexed.height.toString(16)}`,
              false,
            ])
          : Promise.resolve(undefined),
      ]).then(([chainHeadHex, lastIndexedOnChain]) => {
        if (lastIndexed && lastIndexedOnChain?.hash !== lastIndexed.hash) {
          throw new ChainMismatchError(lastIndexed.height, lastIndexed.hash, lastIndexedOnChain?.hash ?? null);
        }
        lastCheck.chainHead = Number(BigInt(chainHeadHex));
      });
      // Handled where awaited; this only keeps an early failure from being reported as unhandled.
      chainCheck.catch(() => {});
    }
    const statusWrite = (): IndexerStatus | undefined => {
      // Hot blocks come one per call, all in one transaction: the status once, with the last.
      if (!ctx.isHead && inHotBlock(store)) return undefined;
      const chainHead = Math.max(lastCheck.chainHead, lastBlock?.height ?? 0);
      return (
        lastBlock &&
        new IndexerStatus({
          id: STATUS_ID,
          height: lastBlock.height,
          headHash: lastBlock.hash,
          chainHead,
          chainHeadAt: new Date(),
          updatedAt: new Date(),
          lag: Math.max(0, chainHead - lastBlock.height),
          finalizedHeight: Math.max(0, chainHead - options.finalityConfirmation),
          chainId: options.chainId,
          contractAddress: contract,
          startBlock: options.startBlock,
          error: null,
          errorBlock: null,
        })
      );
    };

    if (items.length === 0) {
      await chainCheck;
      const status = statusWrite();
      if (status) await store.upsert(status);
      return;
    }

    // ---- read what this batch touches, once ----
    const electionIds = [...new Set(items.map((item) => idOf(item.event.args.electionId)))];
    const elections = new Map((await store.findBy(Election, { id: In(electionIds) })).map((e) => [e.id, e]));
    for (const election of elections.values()) {
      if (!seen.needsLoading(election.id)) continue;
      if (election.totalVotes === 0) {
        seen.markEmpty(election.id);
        continue;
      }
      const stored: { ref: string; vote_hash: string }[] = await entityManager(store).query(
        "select ref, vote_hash from vote where election_id = $1",
        [election.id],
      );
      seen.load(
        election.id,
        stored.map((v) => v.ref),
        stored.map((v) => v.vote_hash),
      );
    }
    // Each vote's ref and hash prefixes go into the election's seen values. A prefix already there
    // (stored, or earlier in this batch) makes the value a candidate repeat: only candidates are
    // looked up in the database and compared exactly, below (usually none are).
    const candidateRefs = new Map<string, Set<string>>();
    const candidateHashes = new Map<string, Set<string>>();
    const refsToCheck: string[] = [];
    const hashesToCheck: string[] = [];
    const addCandidate = (all: Map<string, Set<string>>, id: string, prefix: string) => {
      let set = all.get(id);
      if (!set) {
        set = new Set();
        all.set(id, set);
      }
      set.add(prefix);
    };
    let voteCount = 0;
    for (const item of items) {
      if (item.event.kind !== "vote") continue;
      voteCount += 1;
      const id = idOf(item.event.args.electionId);
      // Not in the database: no stored votes (an election is written with its votes).
      if (seen.needsLoading(id)) seen.markEmpty(id);
      // Lowercase hex from the decoder.
      const ref = item.event.args.ref;
      const hash = item.event.args.voteHash;
      if (seen.checkRef(id, ref)) {
        addCandidate(candidateRefs, id, candidatePrefix(ref));
        refsToCheck.push(ref);
      }
      if (seen.checkHash(id, hash)) {
        addCandidate(candidateHashes, id, candidatePrefix(hash));
        hashesToCheck.push(hash);
      }
    }
    // Stored first, then this batch's candidates as they come: repeated values within the election.
    const firstRefs = await storedFirstSeqs(store, "ref", new Set(candidateRefs.keys()), refsToCheck);
    const firstHashes = await storedFirstSeqs(store, "vote_hash", new Set(candidateHashes.keys()), hashesToCheck);
    // Gaps are loaded only if a seq arrives below the next expected one (never, from this contract).
    const gapsByElection = new Map<string, Map<string, SeqGap>>();
    const removedGaps = new Set<string>();
    const changedGaps = new Map<string, SeqGap>();
    const loadGaps = async (election: Election): Promise<Map<string, SeqGap>> => {
      let gaps = gapsByElection.get(election.id);
      if (!gaps) {
        await voteStream?.flush();
        gaps = new Map((await store.find(SeqGap, { where: { election: { id: election.id } } })).map((g) => [g.id, g]));
        for (const [id, gap] of changedGaps) if (gap.election.id === election.id) gaps.set(id, gap);
        for (const id of removedGaps) gaps.delete(id);
        gapsByElection.set(election.id, gaps);
      }
      return gaps;
    };

    /** Votes that are not streamed (hot blocks, few votes), for insertVotes at the end. */
    const votes: Vote[] = [];
    const batches: Batch[] = [];
    const issues: IntegrityIssue[] = [];
    const bucketCounts = new Map<
      string,
      { electionId: string; granularity: Granularity; start: number; count: number }
    >();
    const blocksWithEvents = new Map<number, Block>();
    // Buckets of the votes just seen: consecutive votes share their block, hence their buckets.
    let bucketsFor: { election: Election; at: number; minute: { count: number }; hour: { count: number } } | undefined;
    const countInBuckets = (election: Election, at: number) => {
      if (!bucketsFor || bucketsFor.election !== election || bucketsFor.at !== at) {
        const slot = (granularity: Granularity) => {
          const start = bucketStart(at, granularity);
          const id = bucketId(election.id, granularity, start);
          let bucket = bucketCounts.get(id);
          if (!bucket) {
            bucket = { electionId: election.id, granularity, start, count: 0 };
            bucketCounts.set(id, bucket);
          }
          return bucket;
        };
        bucketsFor = { election, at, minute: slot("minute"), hour: slot("hour") };
      }
      bucketsFor.minute.count += 1;
      bucketsFor.hour.count += 1;
    };
    // Only a candidate (its prefix seen before) can repeat a value: compared exactly, and reported.
    const isRepeat = (
      kind: "duplicate_ref" | "duplicate_hash",
      value: string,
      candidates: Map<string, Set<string>>,
      firsts: FirstSeqs,
      election: Election,
      seq: bigint,
      block: Block,
    ): boolean => {
      if (!candidates.get(election.id)?.has(candidatePrefix(value))) return false;
      const firstSeq = firstSeqOf(firsts, election.id, value, seq);
      if (firstSeq === undefined) return false;
      issues.push(
        new IntegrityIssue({
          id: `${election.id}-${kind}-${seq}`,
          election,
          kind,
          value,
          seq,
          firstSeq,
          blockNumber: block.height,
        }),
      );
      return true;
    };
    const gasAttributed = new Set<string>();
    const touched = new Set<string>();

    // Synchronous when the election is known (every vote but an unseen election's first): no await per vote.
    const electionFor = (id: bigint, item: Item): Election | Promise<Election> => {
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

    // Votes wait for the BatchRecorded that follows them in the same transaction.
    let pendingTx: string | undefined;
    let pendingVotes: Vote[] = [];
    let pendingBatches: { batch: Batch; logIndex: number }[] = [];
    const settleTransaction = () => {
      if (pendingVotes.length > 0) {
        // The contract's way: the transaction's votes, then one BatchRecorded whose range holds them all.
        const only = pendingBatches.length === 1 ? pendingBatches[0] : undefined;
        const end = only ? only.batch.firstSeq + BigInt(only.batch.count) : 0n;
        if (
          only &&
          pendingVotes.every(
            (vote) =>
              vote.logIndex < only.logIndex &&
              vote.election.id === only.batch.election.id &&
              vote.seq >= only.batch.firstSeq &&
              vote.seq < end,
          )
        ) {
          for (const vote of pendingVotes) vote.batch = only.batch;
        } else {
          const assignment = assignBatches(
            pendingVotes.map((vote) => ({ electionId: vote.election.id, seq: vote.seq, logIndex: vote.logIndex })),
            pendingBatches.map(({ batch, logIndex }) => ({
              electionId: batch.election.id,
              firstSeq: batch.firstSeq,
              count: batch.count,
              logIndex,
            })),
          );
          pendingVotes.forEach((vote, i) => {
            const batch = pendingBatches[assignment[i] ?? -1]?.batch;
            if (!batch) {
              throw new NonRetryableError(
                "vote_without_batch",
                `vote ${vote.id} in transaction ${vote.txHash} has no BatchRecorded after it (is CONTRACT_ADDRESS a VoteRegistry?)`,
              );
            }
            vote.batch = batch;
          });
        }
        // Streamed now, or kept for insertVotes at the end.
        if (voteStream) voteStream.write(pendingVotes);
        else for (const vote of pendingVotes) votes.push(vote);
      }
      pendingVotes = [];
      pendingBatches = [];
    };

    // In final blocks each transaction's votes go to Postgres as soon as their batch is known (vote-copy.ts).
    const voteStream = await openVoteStream(store, voteCount);
    let atBlock: Block | undefined;
    let at = new Date(0);
    let timesFor: Election | undefined;
    let timesAt: Date | undefined;
    try {
      for (const item of items) {
        if (item.txHash !== pendingTx) {
          settleTransaction();
          pendingTx = item.txHash;
        }
        const { block, log, event } = item;
        if (block !== atBlock) {
          atBlock = block;
          at = new Date(block.timestamp);
        }
        blocksWithEvents.set(block.height, block);
        switch (event.kind) {
          case "created": {
            const a = event.args;
            const key = idOf(a.electionId);
            const existing = elections.get(key);
            if (existing?.createdEventSeen) {
              ctx.log.warn(`block ${block.height}: ElectionCreated for existing election ${key} ignored`);
              break;
            }
            const election = existing ?? newElection(key);
            election.choiceCount = a.choiceCount;
            election.opensAt = seconds(a.opensAt);
            election.closesAt = seconds(a.closesAt);
            election.scheduledClosesAt = seconds(a.closesAt);
            election.recordUntil = seconds(a.recordUntil);
            election.createdAtBlock = block.height;
            election.createdAt = at;
            election.createdTx = item.txHash;
            election.createdEventSeen = true;
            if (election.tally.length < a.choiceCount) {
              election.tally = [...election.tally, ...new Array(a.choiceCount - election.tally.length).fill(0)];
            }
            applyMetadata(election, a.metadata, a.metadataHash, a.choiceCount);
            elections.set(key, election);
            touched.add(key);
            break;
          }
          case "closed": {
            const election = await electionFor(event.args.electionId, item);
            election.closed = true;
            election.closedAt = at;
            election.closedAtBlock = block.height;
            election.closesAt = seconds(event.args.closesAt);
            break;
          }
          case "vote": {
            const a = event.args;
            const found = electionFor(a.electionId, item);
            const election = found instanceof Promise ? await found : found;
            const ref = a.ref;
            const hash = a.voteHash;
            // The next expected seq is the contract's only way; anything else is classified.
            const outcome: SeqOutcome =
              a.seq === election.nextExpectedSeq
                ? NEXT
                : classifySeq(
                    a.seq,
                    election.nextExpectedSeq,
                    election.missingSeqCount > 0n ? [...(await loadGaps(election)).values()].map(toGap) : [],
                  );
            if (outcome.kind === "duplicate") {
              issues.push(
                new IntegrityIssue({
                  id: `${election.id}-duplicate_seq-${a.seq}-${block.height}-${log.logIndex}`,
                  election,
                  kind: "duplicate_seq",
                  value: a.seq.toString(),
                  seq: a.seq,
                  firstSeq: a.seq,
                  blockNumber: block.height,
                }),
              );
              break;
            }
            if (outcome.kind === "next") {
              election.nextExpectedSeq = a.seq + 1n;
            } else if (outcome.kind === "gap") {
              const gap = new SeqGap({
                id: `${election.id}-${outcome.gap.from}`,
                election,
                fromSeq: outcome.gap.from,
                toSeq: outcome.gap.to,
              });
              changedGaps.set(gap.id, gap);
              removedGaps.delete(gap.id);
              gapsByElection.get(election.id)?.set(gap.id, gap);
              election.missingSeqCount += gapSize(outcome.gap);
              election.nextExpectedSeq = a.seq + 1n;
            } else {
              const gaps = await loadGaps(election);
              const oldId = `${election.id}-${outcome.gap.from}`;
              gaps.delete(oldId);
              changedGaps.delete(oldId);
              removedGaps.add(oldId);
              for (const part of outcome.replacement) {
                const gap = new SeqGap({
                  id: `${election.id}-${part.from}`,
                  election,
                  fromSeq: part.from,
                  toSeq: part.to,
                });
                gaps.set(gap.id, gap);
                changedGaps.set(gap.id, gap);
                removedGaps.delete(gap.id);
              }
              election.missingSeqCount -= 1n;
            }

            const inGrace = at.getTime() > election.closesAt.getTime();
            // Assigned field by field: the generated constructor's Object.assign is slower, per vote.
            const vote = new Vote();
            vote.id = voteId(election.id, a.seq);
            vote.election = election;
            vote.seq = a.seq;
            vote.ref = ref;
            vote.choice = a.choice;
            vote.voteHash = hash;
            vote.blockNumber = block.height;
            vote.blockHash = block.hash;
            vote.timestamp = at;
            vote.txHash = item.txHash;
            vote.logIndex = log.logIndex;
            vote.inGracePeriod = inGrace;
            pendingVotes.push(vote);

            election.totalVotes += 1;
            if (a.choice < election.choiceCount) {
              while (election.tally.length <= a.choice) election.tally.push(0);
              election.tally[a.choice] = (election.tally[a.choice] ?? 0) + 1;
            } else {
              election.outOfRangeVotes += 1;
            }
            // Once per election and block: the votes of a block share its time.
            if (election !== timesFor || at !== timesAt) {
              timesFor = election;
              timesAt = at;
              if (!election.firstVoteAt || at < election.firstVoteAt) election.firstVoteAt = at;
              if (!election.lastVoteAt || at > election.lastVoteAt) election.lastVoteAt = at;
            }
            if (inGrace) election.graceVotes += 1;
            countInBuckets(election, at.getTime());

            if (isRepeat("duplicate_ref", ref, candidateRefs, firstRefs, election, a.seq, block)) {
              election.duplicateRefCount += 1;
            }
            if (isRepeat("duplicate_hash", hash, candidateHashes, firstHashes, election, a.seq, block)) {
              election.duplicateHashCount += 1;
            }
            break;
          }
          case "batch": {
            const a = event.args;
            const election = await electionFor(a.electionId, item);
            const tx = log.transaction;
            // One batch per transaction is how the contract is used; should a transaction ever hold
            // several, its gas goes to the first so that the election's sums count it once.
            const gasUsed = tx?.gasUsed as bigint | undefined;
            const price = tx?.effectiveGasPrice as bigint | undefined;
            const firstOfTx = !gasAttributed.has(item.txHash);
            gasAttributed.add(item.txHash);
            const gas = firstOfTx && gasUsed !== undefined ? gasUsed : null;
            const fee = gas !== null && price !== undefined ? gas * price : null;
            const batch = new Batch({
              id: `${item.txHash}-${log.logIndex}`,
              election,
              firstSeq: a.firstSeq,
              count: a.count,
              blockNumber: block.height,
              timestamp: at,
              txHash: item.txHash,
              gasUsed: gas,
              effectiveGasPrice: price ?? null,
              feeWei: fee,
              inGracePeriod: at.getTime() > election.closesAt.getTime(),
            });
            batches.push(batch);
            pendingBatches.push({ batch, logIndex: log.logIndex });
            election.batchCount += 1;
            if (gas !== null) election.gasUsed += gas;
            if (fee !== null) election.feesWei += fee;
            break;
          }
        }
      }
      settleTransaction();
      await voteStream?.flush();
    } catch (error) {
      // The connection is then free for the transaction's rollback.
      await voteStream?.abort();
      throw error;
    }

    for (const id of touched) {
      const election = elections.get(id);
      if (!election) continue;
      election.tallyConsistent = election.tally.reduce((sum, n) => sum + n, 0) === election.totalVotes;
    }

    // ---- buckets: add this batch's counts to the stored ones ----
    const bucketIds = [...bucketCounts.keys()];
    const storedBuckets = new Map<string, VoteBucket>();
    for (let i = 0; i < bucketIds.length; i += 5000) {
      for (const b of await store.findBy(VoteBucket, { id: In(bucketIds.slice(i, i + 5000)) }))
        storedBuckets.set(b.id, b);
    }
    const buckets = [...bucketCounts.entries()].map(([id, c]) => {
      const stored = storedBuckets.get(id);
      return new VoteBucket({
        id,
        election: { id: c.electionId } as Election,
        granularity: c.granularity,
        start: new Date(c.start),
        count: (stored?.count ?? 0) + c.count,
      });
    });
    // ---- write, once per entity type, parents before children ----
    await store.upsert([...touched].map((id) => elections.get(id)).filter((e): e is Election => e !== undefined));
    await store.insert(batches);
    if (!voteStream) await insertVotes(store, votes);
    await store.upsert(buckets);
    if (removedGaps.size) await store.remove(SeqGap, [...removedGaps]);
    await store.upsert([...changedGaps.values()]);
    await store.insert(issues);
    await store.insert(
      [...blocksWithEvents.values()].map(
        (b) =>
          new IndexedBlock({
            id: indexedBlockId(b.height),
            height: b.height,
            hash: b.hash,
            timestamp: new Date(b.timestamp),
          }),
      ),
    );
    // The chain check's answer, last: a mismatch throws, and the batch's transaction (all of the
    // above) rolls back. Awaited here, the node's answer arrives while the writes run.
    await chainCheck;
    const status = statusWrite();
    if (status) await store.upsert(status);
  };
}

function toGap(g: SeqGap): Gap {
  return { from: g.fromSeq, to: g.toSeq };
}

/**
 * An election whose ElectionCreated precedes START_BLOCK: its window and choice count are read
 * from the contract's storage at this block; its metadata (only hashed on chain) is unknown.
 */
async function placeholderElection(ctx: Context, contract: string, id: bigint, item: Item): Promise<Election> {
  const election = newElection(id.toString());
  const registryAt = new registry.Contract(ctx, item.block, contract);
  let stored: Awaited<ReturnType<registry.Contract["getElection"]>> | undefined;
  let metadataHash = "";
  try {
    stored = await registryAt.getElection(id);
    metadataHash = await registryAt.metadataHash(id);
  } catch (error) {
    ctx.log.warn(`election ${id}: not readable from the contract at block ${item.block.height}: ${String(error)}`);
  }
  const at = new Date(item.block.timestamp);
  election.choiceCount = stored?.choiceCount ?? 0;
  election.tally = new Array(election.choiceCount).fill(0);
  election.opensAt = stored ? seconds(stored.opensAt) : new Date(0);
  election.closesAt = stored ? seconds(stored.closesAt) : new Date(8.64e15);
  election.scheduledClosesAt = election.closesAt;
  election.recordUntil = stored ? seconds(stored.recordUntil) : new Date(8.64e15);
  election.metadataHash = metadataHash.toLowerCase();
  election.metadataError =
    "ElectionCreated was not seen (it precedes START_BLOCK): the metadata is unknown; window and choice count come from the contract's storage";
  election.createdAtBlock = item.block.height;
  election.createdAt = at;
  election.createdTx = item.txHash;
  return election;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { runIndexerCli } = await import("./runner.js");
  process.exit(await runIndexerCli(createBatchHandler));
}
