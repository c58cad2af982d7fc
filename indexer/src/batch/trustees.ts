/**
 * A secret election's trustees on chain: its creation (key, threshold, ceremony record), the
 * decryption shares and the tally, each checked with the trustee library against the ceremony
 * record and the indexer's own aggregate. Pure functions on the entities, no database.
 *
 * The on-chain byte fields carry the trustee CLI's files as UTF-8 JSON (docs/trustee-spec.md
 * section 4): the ceremony record a `veritally/election-key/v1` file, a share a
 * `veritally/decryption-share/v1` file, the tally's proof a `veritally/tally/v1` file. Anything
 * else is stored as emitted and reported (ceremonyRecordError, a share's error, tallyError).
 */
import type { Ciphertext } from "@veritally/crypto/elgamal";
import { encodePoint } from "@veritally/crypto/group";
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
import type * as registry from "../abi/VoteRegistry.js";
import { DecryptionShare, type Election } from "../model/index.js";
import type { Block } from "../processor.js";
import { bytesOfHex, type ChainContext, electionIdBytes, emptyAggregate, hexOf, storedAggregate } from "./ballots.js";

type SecretCreatedArgs = ReturnType<typeof registry.events.SecretElectionCreated.decode>;
type ShareArgs = ReturnType<typeof registry.events.DecryptionSharePublished.decode>;
type TallyArgs = ReturnType<typeof registry.events.TallyPublished.decode>;

type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The UTF-8 JSON a byte field carries; the reason names the field when it is not. */
function jsonOf(bytes: Uint8Array, field: string): Checked<unknown> {
  if (bytes.length === 0) return { ok: false, reason: `${field}: empty` };
  try {
    return { ok: true, value: JSON.parse(utf8.decode(bytes)) };
  } catch (error) {
    return { ok: false, reason: `${field}: not UTF-8 JSON (${(error as Error).message})` };
  }
}

/** A trustee-library parser or check on chain data: a refusal (any error) becomes a reason, never a crash. */
function attempt<T>(field: string, run: () => T): Checked<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, reason: `${field}: ${(error as Error).message}` };
  }
}

/** The context the election's trustee files must carry: this chain, this registry, this election, its k of n. */
export function trusteeContextOf(election: Election, chain: ChainContext): Checked<ElectionContext> {
  if (election.threshold == null || election.trusteeCount == null) {
    return { ok: false, reason: "threshold and trustee count unknown (SecretElectionCreated was not seen)" };
  }
  return {
    ok: true,
    value: {
      chainId: BigInt(chain.chainId),
      registry: bytesOfHex(chain.contractAddress),
      electionId: electionIdBytes(election.id),
      trustees: election.trusteeCount,
      threshold: election.threshold,
    },
  };
}

/**
 * The election key record from the ceremony record: parsed, verified (every trustee proof, the
 * joint key and public shares recomputed) and matched with the event's key, threshold and count.
 */
export function electionKeyRecordOf(election: Election, chain: ChainContext): Checked<ElectionKeyRecord> {
  const context = trusteeContextOf(election, chain);
  if (!context.ok) return context;
  if (!election.ceremonyRecord) return { ok: false, reason: "ceremony record: not seen" };
  const json = jsonOf(election.ceremonyRecord, "ceremony record");
  if (!json.ok) return json;
  const record = attempt("ceremony record", () => electionKeyFromJson(json.value));
  if (!record.ok) return record;
  if (!sameContext(record.value.context, context.value)) {
    return {
      ok: false,
      reason:
        "ceremony record: $.context is not this election's (chain id, registry, election id, trustee count and threshold)",
    };
  }
  if (election.electionKey !== hexOf(encodePoint(record.value.jointKey))) {
    return { ok: false, reason: "ceremony record: $.jointKey is not the election key of SecretElectionCreated" };
  }
  const verified = attempt("ceremony record", () => verifyElectionKey(record.value));
  if (!verified.ok) return verified;
  if (!verified.value.ok) return { ok: false, reason: `ceremony record: ${verified.value.reason}` };
  return record;
}

/** Verified election key records, by election and record, so that shares and the tally do not verify it again. */
export function createKeyRecords(chain: ChainContext) {
  const cache = new Map<string, Checked<ElectionKeyRecord>>();
  return (election: Election): Checked<ElectionKeyRecord> => {
    const key = `${election.id}|${election.electionKey}|${election.threshold}|${election.trusteeCount}|${
      election.ceremonyRecord ? hexOf(election.ceremonyRecord) : ""
    }`;
    let record = cache.get(key);
    if (!record) {
      record = electionKeyRecordOf(election, chain);
      cache.set(key, record);
    }
    return record;
  };
}
export type KeyRecords = ReturnType<typeof createKeyRecords>;

/** SecretElectionCreated: the key, k of n, the ceremony record (checked), an empty aggregate. */
export function applySecretCreated(election: Election, args: SecretCreatedArgs, keyRecords: KeyRecords): void {
  election.secret = true;
  election.electionKey = args.electionKey.toLowerCase();
  election.threshold = args.threshold;
  election.trusteeCount = args.trusteeCount;
  election.ceremonyRecord = bytesOfHex(args.ceremonyRecord);
  const record = keyRecords(election);
  election.ceremonyRecordError = record.ok ? null : record.reason;
  if (election.validBallots === 0) emptyAggregate(election);
}

/** Where a share or tally was published. */
export interface PublishedAt {
  block: Pick<Block, "height" | "hash">;
  at: Date;
  txHash: string;
  logIndex: number;
}

function aggregateOf(election: Election): Checked<Ciphertext[]> {
  return attempt("aggregate", () => storedAggregate(election));
}

/** A share against the key record and the aggregate; the reason says why it does not count. */
export function checkShare(election: Election, trusteeIndex: number, share: Uint8Array, keyRecords: KeyRecords) {
  const record = keyRecords(election);
  if (!record.ok) return { ok: false, reason: `cannot be checked: ${record.reason}` } as const;
  const json = jsonOf(share, "share");
  if (!json.ok) return json;
  const parsed = attempt("share", () => decryptionShareFromJson(json.value, record.value.context));
  if (!parsed.ok) return parsed;
  if (!parsed.value.jointKey.equals(record.value.jointKey)) {
    return { ok: false, reason: "share: $.jointKey is not the election key" } as const;
  }
  if (parsed.value.share.trustee !== trusteeIndex) {
    return {
      ok: false,
      reason: `share: $.trustee is ${parsed.value.share.trustee}, the event's trustee index is ${trusteeIndex}`,
    } as const;
  }
  const aggregate = aggregateOf(election);
  if (!aggregate.ok) return aggregate;
  const verified = attempt("share", () => verifyDecryptionShare(record.value, aggregate.value, parsed.value.share));
  if (!verified.ok) return verified;
  return verified.value;
}

/** DecryptionSharePublished: the row, and the election's decryption status. */
export function applyShare(
  election: Election,
  args: ShareArgs,
  where: PublishedAt,
  keyRecords: KeyRecords,
): DecryptionShare {
  const share = bytesOfHex(args.share);
  const check = checkShare(election, args.trusteeIndex, share, keyRecords);
  election.decryptionSharesReceived += 1;
  if (check.ok && !election.decryptionShareTrustees.includes(args.trusteeIndex)) {
    election.decryptionShareTrustees = [...election.decryptionShareTrustees, args.trusteeIndex].sort((a, b) => a - b);
  }
  election.decryptionThresholdReached =
    election.threshold != null && election.decryptionShareTrustees.length >= election.threshold;
  return new DecryptionShare({
    id: `${where.txHash}-${where.logIndex}`,
    election,
    trusteeIndex: args.trusteeIndex,
    share,
    blockNumber: where.block.height,
    timestamp: where.at,
    txHash: where.txHash,
    logIndex: where.logIndex,
    valid: check.ok,
    error: check.ok ? null : check.reason,
  });
}

/**
 * The published tally against this indexer's aggregate and valid ballot count: the proof's
 * aggregate and count must be the indexer's, its counts the event's, and it must verify.
 */
export function checkTally(election: Election, counts: readonly bigint[], proof: Uint8Array, keyRecords: KeyRecords) {
  const record = keyRecords(election);
  if (!record.ok) return { ok: false, reason: `cannot be checked: ${record.reason}` } as const;
  const json = jsonOf(proof, "tally proof");
  if (!json.ok) return json;
  const parsed = attempt("tally proof", () => tallyFromJson(json.value, record.value.context));
  if (!parsed.ok) return parsed;
  const { input, tally } = parsed.value;
  if (!input.jointKey.equals(record.value.jointKey)) {
    return { ok: false, reason: "tally proof: $.jointKey is not the election key" } as const;
  }
  if (input.ballotCount !== election.validBallots) {
    return {
      ok: false,
      reason: `tally proof: $.ballotCount is ${input.ballotCount}, the chain holds ${election.validBallots} valid ballots`,
    } as const;
  }
  const aggregate = aggregateOf(election);
  if (!aggregate.ok) return aggregate;
  const same =
    input.aggregate.length === aggregate.value.length &&
    input.aggregate.every((ct, j) => {
      const mine = aggregate.value[j];
      return mine !== undefined && ct.alpha.equals(mine.alpha) && ct.beta.equals(mine.beta);
    });
  if (!same) {
    return {
      ok: false,
      reason: "tally proof: $.aggregate is not the aggregate of the valid ballots on chain",
    } as const;
  }
  if (counts.length !== tally.counts.length || counts.some((c, j) => c !== BigInt(tally.counts[j] ?? -1))) {
    return { ok: false, reason: "counts: the event's counts are not the tally proof's $.counts" } as const;
  }
  const verified = attempt("tally proof", () =>
    verifyTally(record.value, aggregate.value, election.validBallots, tally),
  );
  if (!verified.ok) return verified;
  return verified.value.ok ? verified.value : { ok: false, reason: `tally proof: ${verified.value.reason}` };
}

/** TallyPublished: the counts and proof as emitted, and whether they verify. */
export function applyTally(election: Election, args: TallyArgs, where: PublishedAt, keyRecords: KeyRecords): void {
  const proof = bytesOfHex(args.proof);
  election.tallyCounts = args.counts.map((c) => c.toString());
  election.tallyProof = proof;
  election.tallyPublishedAtBlock = where.block.height;
  election.tallyTx = where.txHash;
  const check = checkTally(election, args.counts, proof, keyRecords);
  election.tallyValid = check.ok;
  election.tallyError = check.ok ? null : check.reason;
}
