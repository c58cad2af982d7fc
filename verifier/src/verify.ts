/**
 * Verifies one election of a VoteRegistry from the chain alone. It reads the election's events
 * with eth_getLogs (and the contract's own counters with eth_call), and checks them with the
 * ballot specification's library (@veritally/crypto): the ceremony record, the sequence, every
 * ballot's proofs, the encrypted aggregate of the valid ballots, every decryption share and the
 * tally. Nothing here comes from the indexer: the specifications (docs/ballot-spec.md,
 * docs/trustee-spec.md) say what each check is.
 */
import { createHash } from "node:crypto";
import voteRegistryAbi from "@veritally/contracts/abi/VoteRegistry.json" with { type: "json" };
import type { ElectionSpec } from "@veritally/crypto/ballot";
import type { Ciphertext } from "@veritally/crypto/elgamal";
import { decodePoint, encodePoint, type Point } from "@veritally/crypto/group";
import { loadSodiumOps } from "@veritally/crypto/sodium";
import {
  decryptionShareFromJson,
  type ElectionContext,
  type ElectionKeyRecord,
  electionKeyFromJson,
  sameContext,
  tallyFromJson,
  verifyDecryptionShare,
  verifyElectionKey,
  verifyTally,
} from "@veritally/crypto/trustee";
import { createVerifierPool, type VerifierPool } from "@veritally/crypto/verifier-pool";
import { Interface, type LogDescription } from "ethers";
import { type CheckStatus, type Report, type ReportCheck, statusOf } from "./report.js";
import { createRpc, forEachLogPage, fromQuantity, type Rpc, type RpcLog, type RpcOptions, toQuantity } from "./rpc.js";

export type { Report } from "./report.js";
export { RpcError } from "./rpc.js";

/** The command was given something that cannot be verified: the message names the flag and why. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

export interface VerifyOptions {
  readonly rpcUrl: string;
  readonly registry: string;
  readonly electionId: bigint;
  /** First block scanned (default 0). */
  readonly fromBlock?: number;
  /** Last block scanned (default: the head when the run starts). */
  readonly toBlock?: number;
  /** Progress line every so many ballots (default 10,000). */
  readonly progressEvery?: number;
  readonly onProgress?: (line: string) => void;
  /** Verifier threads (default: the machine's cores). */
  readonly threads?: number;
  /** Ballots per verification request (default 2,048). */
  readonly batchSize?: number;
  readonly rpcOptions?: RpcOptions;
  /** Invalid ballots, duplicates and gaps listed in the report (default 1,000 each; the counts are always whole). */
  readonly listLimit?: number;
}

const iface = new Interface(voteRegistryAbi);
const topicOf = (name: string): string => {
  const event = iface.getEvent(name);
  if (!event) throw new Error(`the VoteRegistry ABI has no event ${name}`);
  return event.topicHash;
};
const TOPICS = {
  ElectionCreated: topicOf("ElectionCreated"),
  ElectionClosed: topicOf("ElectionClosed"),
  SecretElectionCreated: topicOf("SecretElectionCreated"),
  VoteRecorded: topicOf("VoteRecorded"),
  BallotRecorded: topicOf("BallotRecorded"),
  DecryptionSharePublished: topicOf("DecryptionSharePublished"),
  TallyPublished: topicOf("TallyPublished"),
} as const;

const hexOf = (bytes: Uint8Array): string =>
  `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex")}`;
const bytesOf = (hex: string): Uint8Array => {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  const b = Buffer.from(body, "hex");
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};
const pointHex = (p: Point): string => hexOf(encodePoint(p));
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Runs a library parser or check on chain data: any refusal becomes a reason naming the field. */
function attempt<T>(field: string, run: () => T): { ok: true; value: T } | { ok: false; reason: string } {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, reason: `${field}: ${(error as Error).message}` };
  }
}

function jsonOfBytes(hex: string, field: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const bytes = bytesOf(hex);
  if (bytes.length === 0) return { ok: false, reason: `${field}: empty` };
  return attempt(`${field}: not UTF-8 JSON`, () => JSON.parse(utf8.decode(bytes)) as unknown);
}

interface Where {
  readonly block: number;
  readonly tx: string;
}

interface PendingBallot extends Where {
  readonly seq: number;
  readonly bytes: Uint8Array;
  /** False for a second log of an already seen seq: verified, never aggregated. */
  readonly counts: boolean;
}

/**
 * BallotRecorded's data, abi.encode(uint64 seq, bytes ballot), read strictly: the seq word below
 * 2^64, the offset 0x40, the length, the bytes and zero padding, nothing more. Anything else is left
 * to the ABI decoder (null), which decodes or refuses it.
 */
export function decodeBallotData(data: string): { seq: bigint; ballot: Uint8Array } | null {
  if (!data.startsWith("0x") || data.length < 2 + 64 * 3) return null;
  const word = (i: number) => data.slice(2 + 64 * i, 2 + 64 * (i + 1));
  const seqWord = word(0);
  if (!seqWord.startsWith("000000000000000000000000000000000000000000000000")) return null;
  if (word(1) !== "0000000000000000000000000000000000000000000000000000000000000040") return null;
  const length = Number.parseInt(word(2), 16);
  if (!Number.isSafeInteger(length)) return null;
  const padded = Math.ceil(length / 32) * 64;
  if (data.length !== 2 + 64 * 3 + padded) return null;
  const body = data.slice(2 + 64 * 3);
  if (!/^[0-9a-fA-F]*$/.test(body) || /[^0]/.test(body.slice(length * 2))) return null;
  return { seq: BigInt(`0x${seqWord}`), ballot: bytesOf(body.slice(0, length * 2)) };
}

/** Seqs seen, as bits; grows past the contract's count if the logs hold more. */
class SeqSet {
  private bits: Uint8Array;
  constructor(expected: number) {
    this.bits = new Uint8Array(Math.ceil(Math.max(expected, 64) / 8));
  }
  /** True when the seq was new. */
  add(seq: number): boolean {
    const byte = seq >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (seq & 7);
    const had = ((this.bits[byte] ?? 0) & mask) !== 0;
    this.bits[byte] = (this.bits[byte] ?? 0) | mask;
    return !had;
  }
  has(seq: number): boolean {
    return ((this.bits[seq >>> 3] ?? 0) & (1 << (seq & 7))) !== 0;
  }
}

/** Missing seqs in [0, end) as closed ranges. */
function gapsOf(seen: SeqSet, end: number): { from: number; to: number }[] {
  const gaps: { from: number; to: number }[] = [];
  let start = -1;
  for (let s = 0; s < end; s++) {
    if (!seen.has(s)) {
      if (start < 0) start = s;
    } else if (start >= 0) {
      gaps.push({ from: start, to: s - 1 });
      start = -1;
    }
  }
  if (start >= 0) gaps.push({ from: start, to: end - 1 });
  return gaps;
}

const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

export async function verifyElection(options: VerifyOptions): Promise<Report> {
  const started = performance.now();
  const say = options.onProgress ?? (() => {});
  const listLimit = options.listLimit ?? 1_000;
  const rpc = createRpc(options.rpcUrl, { onRetry: (m) => say(`rpc: ${m}`), ...options.rpcOptions });
  const registry = options.registry.toLowerCase();
  const electionId = options.electionId;
  const idTopic = `0x${electionId.toString(16).padStart(64, "0")}`;

  const chainId = BigInt(await rpc.call<string>("eth_chainId"));
  const head = fromQuantity(await rpc.call<string>("eth_blockNumber"), "eth_blockNumber");
  const fromBlock = options.fromBlock ?? 0;
  const toBlock = options.toBlock ?? head;
  if (toBlock > head) throw new SetupError(`--to-block: ${toBlock} is above the chain's head ${head}`);
  if (fromBlock > toBlock) throw new SetupError(`--from-block: ${fromBlock} is above the last block ${toBlock}`);
  const at = toQuantity(toBlock);
  const code = await rpc.call<string>("eth_getCode", [registry, at]);
  if (code === "0x" || code === "") {
    throw new SetupError(`--registry: no contract at ${registry} on chain ${chainId} (block ${toBlock})`);
  }
  const view = async (name: string, args: readonly unknown[]) => {
    const data = iface.encodeFunctionData(name, args);
    const result = await rpc.call<string>("eth_call", [{ to: registry, data }, at]);
    return attempt(`${name}`, () => iface.decodeFunctionResult(name, result));
  };
  const exists = await view("electionExists", [electionId]);
  if (!exists.ok) throw new SetupError(`--registry: ${registry} does not answer as a VoteRegistry (${exists.reason})`);
  if (exists.value[0] !== true) {
    throw new SetupError(
      `--election: no election ${electionId} in registry ${registry} on chain ${chainId} at block ${toBlock}`,
    );
  }
  const onChain = await view("getElection", [electionId]);
  if (!onChain.ok) throw new SetupError(`--registry: getElection failed (${onChain.reason})`);
  const state = onChain.value[0] as {
    choiceCount: bigint;
    nextSeq: bigint;
    secret: boolean;
    tallyPublished: boolean;
    recordUntil: bigint;
    closesAt: bigint;
    opensAt: bigint;
  };
  const expectedSeqs = Number(state.nextSeq);

  // What the logs hold.
  let created:
    | (Where & { choiceCount: number; opensAt: bigint; closesAt: bigint; recordUntil: bigint; metadata: string })
    | undefined;
  let createdTwice = 0;
  let secretCreated: (Where & { key: string; threshold: number; trustees: number; ceremonyRecord: string }) | undefined;
  const closes: (Where & { closesAt: bigint })[] = [];
  const shares: (Where & { trustee: number; share: string })[] = [];
  const tallies: (Where & { counts: bigint[]; proof: string })[] = [];
  const seen = new SeqSet(expectedSeqs);
  const duplicates: (Where & { seq: number })[] = [];
  let duplicateCount = 0;
  let maxSeq = -1;
  let recordedLogs = 0;
  let openVotes = 0;
  const openCounts: number[] = [];
  const badChoices: (Where & { seq: number; choice: number })[] = [];
  let badChoiceCount = 0;

  // Secret elections: the context, the pool, the running aggregate.
  let spec: ElectionSpec | undefined;
  let trusteeContext: ElectionContext | undefined;
  let keyRecord: ElectionKeyRecord | undefined;
  let ceremonyCheck: ReportCheck | undefined;
  let pool: VerifierPool | undefined;
  let poolThreads: number | null = null;
  const ops = await loadSodiumOps();
  let sums: { alpha: Uint8Array; beta: Uint8Array }[] = [];
  let valid = 0;
  let invalid = 0;
  const invalidBallots: { seq: number; reason: string; tracker: string; block: number; tx: string }[] = [];
  const trackers = new Map<string, number>();
  const repeatedTrackers: { seq: number; firstSeq: number; tracker: string }[] = [];
  let repeatedTrackerCount = 0;
  let verified = 0;
  const progressEvery = options.progressEvery ?? 10_000;
  let nextProgress = progressEvery;
  let lastBlock = fromBlock;
  let buffer: PendingBallot[] = [];
  const inFlight: { ballots: PendingBallot[]; result: ReturnType<VerifierPool["verify"]> }[] = [];
  const batchSize = options.batchSize ?? 2_048;
  const verifyStarted = performance.now();

  const settleOldest = async (): Promise<void> => {
    const oldest = inFlight.shift();
    if (!oldest) return;
    const result = await oldest.result;
    const failed = new Map(result.failures.map((f) => [f.index, f.reason]));
    const n = spec?.choices ?? 0;
    oldest.ballots.forEach((b, i) => {
      const reason = failed.get(i);
      if (reason !== undefined) {
        invalid += 1;
        if (invalidBallots.length < listLimit) {
          invalidBallots.push({ seq: b.seq, reason, tracker: trackerOf(b.bytes), block: b.block, tx: b.tx });
        }
        return;
      }
      if (!b.counts) return;
      valid += 1;
      // A verified ballot's ciphertexts sit at 2 + 64·i (alpha) and 34 + 64·i (beta): ballot-spec section 7.
      for (let j = 0; j < n; j++) {
        const sum = sums[j];
        if (!sum) continue;
        sum.alpha = ops.add(sum.alpha, b.bytes.subarray(2 + 64 * j, 34 + 64 * j));
        sum.beta = ops.add(sum.beta, b.bytes.subarray(34 + 64 * j, 66 + 64 * j));
      }
    });
    verified += oldest.ballots.length;
    if (verified >= nextProgress) {
      const seconds = (performance.now() - verifyStarted) / 1000;
      const total = Math.max(expectedSeqs, verified);
      say(
        `verified ${verified.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} ballots (${Math.floor((100 * verified) / total)}%), ${Math.round(verified / seconds)}/s, ${invalid.toLocaleString("en-US")} invalid, at block ${lastBlock} of ${toBlock}`,
      );
      while (nextProgress <= verified) nextProgress += progressEvery;
    }
  };
  const dispatch = async (): Promise<void> => {
    if (buffer.length === 0 || !pool) return;
    const ballots = buffer;
    buffer = [];
    inFlight.push({ ballots, result: pool.verify(ballots.map((b) => b.bytes)) });
    // Two requests queued keep every worker busy while this thread aggregates and reads the next page.
    while (inFlight.length > 2) await settleOldest();
  };
  const trackerOf = (bytes: Uint8Array): string => `0x${createHash("sha256").update(bytes).digest("hex")}`;

  const startSecret = async (): Promise<void> => {
    if (!created || !secretCreated) return;
    const choices = created.choiceCount;
    trusteeContext = {
      chainId,
      registry: bytesOf(registry),
      electionId: bytesOf(idTopic),
      trustees: secretCreated.trustees,
      threshold: secretCreated.threshold,
    };
    const key = attempt("SecretElectionCreated.electionKey", () =>
      decodePoint(bytesOf(secretCreated?.key ?? ""), "electionKey"),
    );
    ceremonyCheck = checkCeremony(secretCreated, trusteeContext);
    if (ceremonyCheck.status === "ok" && ceremonyRecordValue) keyRecord = ceremonyRecordValue;
    if (!key.ok) {
      ceremonyCheck = { name: "ceremony", status: "fail", summary: key.reason };
      return;
    }
    spec = { chainId, registry: bytesOf(registry), electionId: bytesOf(idTopic), publicKey: key.value, choices };
    sums = Array.from({ length: choices }, () => ({ alpha: new Uint8Array(32), beta: new Uint8Array(32) }));
    pool = await createVerifierPool(spec, options.threads === undefined ? {} : { threads: options.threads });
    poolThreads = pool.threads;
  };
  let ceremonyRecordValue: ElectionKeyRecord | undefined;
  const checkCeremony = (event: NonNullable<typeof secretCreated>, context: ElectionContext): ReportCheck => {
    const name = "ceremony";
    const json = jsonOfBytes(event.ceremonyRecord, "ceremony record");
    if (!json.ok) return { name, status: "fail", summary: json.reason };
    const record = attempt("ceremony record", () => electionKeyFromJson(json.value));
    if (!record.ok) return { name, status: "fail", summary: record.reason };
    if (!sameContext(record.value.context, context)) {
      return {
        name,
        status: "fail",
        summary:
          "ceremony record: $.context is not this election's (chain id, registry, election id, trustee count and threshold of SecretElectionCreated)",
      };
    }
    if (pointHex(record.value.jointKey) !== event.key.toLowerCase()) {
      return { name, status: "fail", summary: "ceremony record: $.jointKey is not the key in SecretElectionCreated" };
    }
    const verifiedRecord = attempt("ceremony record", () => verifyElectionKey(record.value));
    if (!verifiedRecord.ok) return { name, status: "fail", summary: verifiedRecord.reason };
    if (!verifiedRecord.value.ok)
      return { name, status: "fail", summary: `ceremony record: ${verifiedRecord.value.reason}` };
    ceremonyRecordValue = record.value;
    return {
      name,
      status: "ok",
      summary: `${event.threshold} of ${event.trustees} trustees: every coefficient, communication-key and share proof verifies; the joint key and the ${event.trustees} public shares recompute; the key is the one ballots are encrypted to`,
    };
  };

  const where = (log: RpcLog): Where => ({
    block: fromQuantity(log.blockNumber, "log.blockNumber"),
    tx: log.transactionHash,
  });
  const needCreation = (log: RpcLog): void => {
    if (!created) {
      throw new SetupError(
        `--from-block: ${fromBlock} is after the creation of election ${electionId} (a record at block ${where(log).block} came before any ElectionCreated): start at or before the block it was created in`,
      );
    }
  };
  const seqOf = (seq: bigint, w: Where): number => {
    const n = Number(seq);
    recordedLogs += 1;
    if (n > maxSeq) maxSeq = n;
    if (!seen.add(n)) {
      duplicateCount += 1;
      if (duplicates.length < listLimit) duplicates.push({ seq: n, ...w });
      return -1;
    }
    return n;
  };

  const onBallot = async (log: RpcLog, seqValue: bigint, bytes: Uint8Array): Promise<void> => {
    needCreation(log);
    const w = where(log);
    const seq = seqOf(seqValue, w);
    const tracker = trackerOf(bytes);
    const first = trackers.get(tracker);
    if (first === undefined) trackers.set(tracker, seq < 0 ? Number(seqValue) : seq);
    else if (seq >= 0) {
      repeatedTrackerCount += 1;
      if (repeatedTrackers.length < listLimit) repeatedTrackers.push({ seq, firstSeq: first, tracker });
    }
    if (!pool) {
      // A ballot in an election that is not secret (or whose key does not decode): refused, named by seq.
      invalid += 1;
      if (invalidBallots.length < listLimit) {
        invalidBallots.push({
          seq: Number(seqValue),
          reason: secretCreated ? "election key: does not decode" : "a sealed ballot in an open election",
          tracker,
          ...w,
        });
      }
      return;
    }
    buffer.push({ seq: Number(seqValue), bytes, counts: seq >= 0, ...w });
    if (buffer.length >= batchSize) await dispatch();
  };

  try {
    await forEachLogPage(
      rpc,
      {
        address: registry,
        topics: [Object.values(TOPICS), idTopic],
        fromBlock,
        toBlock,
      },
      async (logs, page) => {
        for (const log of logs) {
          if (log.removed) continue;
          if (log.address.toLowerCase() !== registry || log.topics[1]?.toLowerCase() !== idTopic) {
            throw new SetupError(
              `--rpc: the node answered a log of another contract or election (block ${log.blockNumber})`,
            );
          }
          // The hot path: a ballot's log read by its ABI layout directly (ethers' decoder costs 0.3 ms a log).
          if (log.topics[0] === TOPICS.BallotRecorded) {
            const fast = decodeBallotData(log.data);
            if (fast) {
              await onBallot(log, fast.seq, fast.ballot);
              continue;
            }
          }
          let parsed: LogDescription | null;
          try {
            parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
          } catch (error) {
            throw new SetupError(
              `--rpc: a log at block ${log.blockNumber} does not decode with the ABI (${(error as Error).message})`,
            );
          }
          if (!parsed) continue;
          const w = where(log);
          const a = parsed.args;
          switch (parsed.name) {
            case "ElectionCreated":
              if (created) createdTwice += 1;
              else
                created = {
                  ...w,
                  choiceCount: Number(a.choiceCount),
                  opensAt: a.opensAt,
                  closesAt: a.closesAt,
                  recordUntil: a.recordUntil,
                  metadata: a.metadata,
                };
              break;
            case "SecretElectionCreated":
              needCreation(log);
              if (secretCreated) createdTwice += 1;
              else {
                secretCreated = {
                  ...w,
                  key: String(a.electionKey).toLowerCase(),
                  threshold: Number(a.threshold),
                  trustees: Number(a.trusteeCount),
                  ceremonyRecord: a.ceremonyRecord,
                };
                await startSecret();
              }
              break;
            case "ElectionClosed":
              closes.push({ ...w, closesAt: a.closesAt });
              break;
            case "VoteRecorded": {
              needCreation(log);
              openVotes += 1;
              const seq = seqOf(a.seq, w);
              const choice = Number(a.choice);
              if (seq < 0) break;
              if (choice >= (created?.choiceCount ?? 0)) {
                badChoiceCount += 1;
                if (badChoices.length < listLimit) badChoices.push({ seq, choice, ...w });
              } else openCounts[choice] = (openCounts[choice] ?? 0) + 1;
              break;
            }
            case "BallotRecorded":
              await onBallot(log, a.seq, bytesOf(a.ballot));
              break;
            case "DecryptionSharePublished":
              shares.push({ ...w, trustee: Number(a.trusteeIndex), share: a.share });
              break;
            case "TallyPublished":
              tallies.push({ ...w, counts: [...a.counts], proof: a.proof });
              break;
          }
        }
        lastBlock = page.toBlock;
      },
    );
    await dispatch();
    while (inFlight.length > 0) await settleOldest();
  } finally {
    await pool?.close();
  }
  if (!created) {
    throw new SetupError(
      `--from-block: no ElectionCreated of election ${electionId} in blocks ${fromBlock} to ${toBlock}, though the registry knows it: start at or before the block it was created in`,
    );
  }

  const checks: ReportCheck[] = [];
  const secret = secretCreated !== undefined;
  const kindMismatch = state.secret !== secret;
  checks.push({
    name: "election",
    status: createdTwice > 0 || kindMismatch || Number(state.choiceCount) !== created.choiceCount ? "fail" : "ok",
    summary: [
      `${secret ? "secret" : "open"} election, ${created.choiceCount} choices, created at block ${created.block}`,
      createdTwice > 0 ? `created ${createdTwice + 1} times in the logs` : "",
      kindMismatch
        ? `the contract says ${state.secret ? "secret" : "open"}, the logs ${secret ? "secret" : "open"}`
        : "",
      Number(state.choiceCount) !== created.choiceCount
        ? `the contract says ${state.choiceCount} choices, ElectionCreated ${created.choiceCount}`
        : "",
    ]
      .filter(Boolean)
      .join("; "),
  });
  if (secret) checks.push(ceremonyCheck ?? { name: "ceremony", status: "fail", summary: "not checked" });

  // The sequence: 0 … nextSeq-1, each once, and nothing beyond.
  const end = Math.max(expectedSeqs, maxSeq + 1);
  const allGaps = gapsOf(seen, end);
  const missing = allGaps.reduce((n, g) => n + g.to - g.from + 1, 0);
  const distinct = recordedLogs - duplicateCount;
  const sequenceProblems = [
    missing > 0
      ? `${plural(missing, "seq")} missing: ${allGaps
          .slice(0, 10)
          .map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`))
          .join(", ")}${allGaps.length > 10 ? ", …" : ""}`
      : "",
    duplicateCount > 0
      ? `${plural(duplicateCount, "seq")} recorded more than once: ${duplicates
          .slice(0, 10)
          .map((d) => d.seq)
          .join(", ")}${duplicateCount > 10 ? ", …" : ""}`
      : "",
    maxSeq + 1 > expectedSeqs ? `seqs up to ${maxSeq} in the logs, but the contract's nextSeq is ${expectedSeqs}` : "",
    secret && openVotes > 0 ? `${plural(openVotes, "open vote")} in a secret election` : "",
  ].filter(Boolean);
  checks.push({
    name: "sequence",
    status: sequenceProblems.length > 0 ? "fail" : "ok",
    summary:
      sequenceProblems.length > 0
        ? sequenceProblems.join("; ")
        : `${plural(distinct, "record")}, seq 0 to ${expectedSeqs - 1}: no gap, no repeat, and the contract's nextSeq is ${expectedSeqs}`,
  });

  let aggregate: Ciphertext[] | undefined;
  if (secret) {
    checks.push({
      name: "ballots",
      status: invalid > 0 ? "fail" : "ok",
      summary:
        invalid > 0
          ? `${plural(valid, "valid ballot")}, ${plural(invalid, "invalid ballot")}: ${invalidBallots
              .slice(0, 5)
              .map((b) => `seq ${b.seq} (${b.reason})`)
              .join("; ")}${invalid > 5 ? "; …" : ""}`
          : `${plural(valid, "ballot")}, every one decodes strictly and its proofs verify (each choice 0 or 1, exactly one choice)`,
    });
    checks.push({
      name: "trackers",
      status: repeatedTrackerCount > 0 ? "warn" : "ok",
      summary:
        repeatedTrackerCount > 0
          ? `${plural(repeatedTrackerCount, "ballot")} recorded again under another seq (same bytes): ${repeatedTrackers
              .slice(0, 5)
              .map((r) => `seq ${r.seq} repeats seq ${r.firstSeq}`)
              .join("; ")}; each copy is counted, as the specification does not say which one counts`
          : `${plural(trackers.size, "tracker")}, no ballot recorded twice`,
    });
    aggregate = sums.map((s, j) => ({
      alpha: decodePoint(s.alpha, `aggregate[${j}].alpha`, { allowIdentity: true }),
      beta: decodePoint(s.beta, `aggregate[${j}].beta`, { allowIdentity: true }),
    }));
    checks.push({
      name: "aggregate",
      status: "ok",
      summary: `the product of the ${plural(valid, "valid ballot")}' ciphertexts per choice, computed here (the shares and the tally are checked against it)`,
    });
  } else {
    const problems =
      badChoiceCount > 0
        ? `${plural(badChoiceCount, "vote")} for a choice out of range: ${badChoices
            .slice(0, 5)
            .map((b) => `seq ${b.seq} (choice ${b.choice})`)
            .join("; ")}`
        : "";
    checks.push({
      name: "votes",
      status: problems ? "fail" : "ok",
      summary: problems || `${plural(distinct, "vote")} in clear, each for one of the ${created.choiceCount} choices`,
    });
  }

  // Decryption shares: each against the ceremony record and this aggregate.
  const shareRows: Report["shares"][number][] = [];
  if (secret && aggregate) {
    for (const s of shares) {
      shareRows.push({
        trustee: s.trustee,
        block: s.block,
        tx: s.tx,
        ...checkShare(s, keyRecord, trusteeContext, aggregate),
      });
    }
  }
  const validShareTrustees = [...new Set(shareRows.filter((s) => s.valid).map((s) => s.trustee))].sort((x, y) => x - y);
  const threshold = secretCreated?.threshold ?? 0;
  if (secret) {
    const bad = shareRows.filter((s) => !s.valid);
    checks.push({
      name: "shares",
      status: bad.length > 0 ? "fail" : shareRows.length === 0 ? "pending" : "ok",
      summary:
        shareRows.length === 0
          ? "no decryption share published yet"
          : `${shareRows.length - bad.length} of ${plural(shareRows.length, "published share")} verify (trustees ${validShareTrustees.join(", ") || "none"}; ${
              validShareTrustees.length >= threshold ? "threshold reached" : `${threshold} needed`
            })${bad.length > 0 ? `; ${bad.map((s) => `trustee ${s.trustee} at block ${s.block}: ${s.reason}`).join("; ")}` : ""}`,
    });
  }

  // The tally.
  let tallyReport: Report["tally"] = null;
  if (secret && aggregate) {
    const [published, ...again] = tallies;
    if (!published) {
      checks.push({ name: "tally", status: "pending", summary: "no tally published yet" });
    } else {
      const result = checkTally(published, keyRecord, trusteeContext, aggregate, valid);
      tallyReport = {
        counts: published.counts.map(String),
        block: published.block,
        tx: published.tx,
        valid: result.ok && again.length === 0,
        reason: again.length > 0 ? `${again.length + 1} tallies published` : result.ok ? null : result.reason,
        trustees: result.ok ? result.trustees : [],
      };
      checks.push({
        name: "tally",
        status: tallyReport.valid ? "ok" : "fail",
        summary: tallyReport.valid
          ? `counts [${tallyReport.counts.join(", ")}] verified from ${threshold} of ${secretCreated?.trustees} trustees' shares (${tallyReport.trustees.join(", ")}), summing to the ${plural(valid, "valid ballot")}`
          : `counts [${tallyReport.counts.join(", ")}]: ${tallyReport.reason}`,
      });
    }
  }

  const status: CheckStatus = statusOf(checks);
  const seconds = (performance.now() - started) / 1000;
  return {
    format: "veritally/verification-report/v1",
    result: status === "fail" ? "fail" : "ok",
    generatedAt: new Date().toISOString(),
    rpc: rpc.url,
    chainId: chainId.toString(),
    registry,
    electionId: electionId.toString(),
    blocks: { from: fromBlock, to: toBlock },
    election: {
      kind: secret ? "secret" : "open",
      choiceCount: created.choiceCount,
      opensAt: Number(created.opensAt),
      closesAt: Number(closes.at(-1)?.closesAt ?? created.closesAt),
      recordUntil: Number(created.recordUntil),
      createdAtBlock: created.block,
      metadata: created.metadata,
      ...(secretCreated
        ? { electionKey: secretCreated.key, threshold: secretCreated.threshold, trustees: secretCreated.trustees }
        : {}),
    },
    counts: {
      recorded: recordedLogs,
      expected: expectedSeqs,
      distinct,
      valid: secret ? valid : distinct - badChoiceCount,
      invalid: secret ? invalid : badChoiceCount,
      missing,
      duplicates: duplicateCount,
      repeatedTrackers: repeatedTrackerCount,
      ...(secret ? {} : { byChoice: Array.from({ length: created.choiceCount }, (_, j) => openCounts[j] ?? 0) }),
    },
    checks,
    invalidBallots,
    gaps: allGaps.slice(0, listLimit),
    duplicates: duplicates.map((d) => ({ seq: d.seq, block: d.block, tx: d.tx })),
    repeatedTrackers,
    aggregate: aggregate?.map((ct) => ({ alpha: pointHex(ct.alpha), beta: pointHex(ct.beta) })) ?? null,
    shares: shareRows,
    tally: tallyReport,
    timing: {
      seconds: Math.round(seconds * 1000) / 1000,
      ballotsPerSec: secret && seconds > 0 ? Math.round((valid + invalid) / seconds) : null,
      threads: poolThreads,
    },
  };
}

type Outcome = { ok: true } | { ok: false; reason: string };

function checkShare(
  s: { trustee: number; share: string },
  record: ElectionKeyRecord | undefined,
  context: ElectionContext | undefined,
  aggregate: readonly Ciphertext[],
): { valid: boolean; reason: string | null } {
  const result = ((): Outcome => {
    if (!record || !context) return { ok: false, reason: "cannot be checked: the ceremony record does not verify" };
    const json = jsonOfBytes(s.share, "share");
    if (!json.ok) return json;
    const parsed = attempt("share", () => decryptionShareFromJson(json.value, context));
    if (!parsed.ok) return parsed;
    if (!parsed.value.jointKey.equals(record.jointKey))
      return { ok: false, reason: "share: $.jointKey is not the election key" };
    if (parsed.value.share.trustee !== s.trustee) {
      return {
        ok: false,
        reason: `share: $.trustee is ${parsed.value.share.trustee}, the event's trustee index is ${s.trustee}`,
      };
    }
    const checked = attempt("share", () => verifyDecryptionShare(record, aggregate, parsed.value.share));
    if (!checked.ok) return checked;
    return checked.value.ok ? { ok: true } : { ok: false, reason: checked.value.reason };
  })();
  return result.ok ? { valid: true, reason: null } : { valid: false, reason: result.reason };
}

function checkTally(
  t: { counts: bigint[]; proof: string },
  record: ElectionKeyRecord | undefined,
  context: ElectionContext | undefined,
  aggregate: readonly Ciphertext[],
  validBallots: number,
): { ok: true; trustees: number[] } | { ok: false; reason: string } {
  if (!record || !context) return { ok: false, reason: "cannot be checked: the ceremony record does not verify" };
  const json = jsonOfBytes(t.proof, "tally proof");
  if (!json.ok) return json;
  const parsed = attempt("tally proof", () => tallyFromJson(json.value, context));
  if (!parsed.ok) return parsed;
  const { input, tally } = parsed.value;
  if (!input.jointKey.equals(record.jointKey))
    return { ok: false, reason: "tally proof: $.jointKey is not the election key" };
  if (input.ballotCount !== validBallots) {
    return {
      ok: false,
      reason: `tally proof: $.ballotCount is ${input.ballotCount}, the chain holds ${validBallots} valid ballots`,
    };
  }
  const same =
    input.aggregate.length === aggregate.length &&
    input.aggregate.every((ct, j) => {
      const mine = aggregate[j];
      return mine !== undefined && ct.alpha.equals(mine.alpha) && ct.beta.equals(mine.beta);
    });
  if (!same)
    return { ok: false, reason: "tally proof: $.aggregate is not the aggregate of the valid ballots on chain" };
  if (t.counts.length !== tally.counts.length || t.counts.some((c, j) => c !== BigInt(tally.counts[j] ?? -1))) {
    return {
      ok: false,
      reason: `TallyPublished.counts are not the tally proof's $.counts [${tally.counts.join(", ")}]`,
    };
  }
  const verified = attempt("tally proof", () => verifyTally(record, aggregate, validBallots, tally));
  if (!verified.ok) return verified;
  return verified.value.ok
    ? { ok: true, trustees: [...tally.trustees] }
    : { ok: false, reason: `tally proof: ${verified.value.reason}` };
}

export type { Rpc };
