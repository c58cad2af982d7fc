/**
 * Secret elections as the indexer records them: sealed ballots (the ballot table) whose proofs the
 * indexer verified, the trustees' decryption shares and the published tally, checked against the
 * indexer's own encrypted aggregate. Nothing here decrypts or verifies anything: every verdict is
 * the indexer's, rebuilt from the chain alone (anyone can run it, or the independent verifier).
 * Trackers are looked up by a prefix bucket, as refs are (ref-prefix.ts), so the portal's logs
 * never tie one ballot to a reader.
 */
import { InvalidInputError } from "@veritally/contracts";
import type { BallotRow, DecryptionShareRow, ElectionRow } from "@veritally/indexer/read-model";
import { neutraliseBidi } from "./display-text.js";
import { type Contact, extrasOf } from "./election-extras.js";
import type { IndexerReader } from "./indexer-reader.js";
import { REF_PREFIX_HEX, REF_PREFIX_LIMIT } from "./ref-prefix.js";
import { readTracker } from "./tracker.js";
import { labelOf } from "./votes.js";

export { readTracker, trackerPrefixOf } from "./tracker.js";

export type ElectionKind = "open" | "secret";

/** Where the trustees stand: k of n, the shares on chain, the tally. */
export interface TrusteeStatus {
  /** k: shares needed to decrypt the total (null when the creation event was not seen). */
  threshold: number | null;
  /** n: trustees holding a share of the key. */
  trustees: number | null;
  /** Shares published on chain, verified or not. */
  sharesReceived: number;
  /** Shares that verify against the aggregate, one per trustee. */
  sharesVerified: number;
  /** The trustees whose share verifies, ascending. */
  verifiedTrustees: number[];
  thresholdReached: boolean;
  /** pending: no tally on chain yet; verified: it is the decryption of the aggregate; failed: it is not. */
  tally: "pending" | "verified" | "failed";
  /** Null when the key ceremony's record verifies and matches the election. */
  ceremonyRecordError: string | null;
}

export function trusteeStatusOf(r: ElectionRow): TrusteeStatus | null {
  if (!r.secret) return null;
  return {
    threshold: r.threshold,
    trustees: r.trustee_count,
    sharesReceived: r.decryption_shares_received,
    sharesVerified: r.decryption_share_trustees.length,
    verifiedTrustees: [...r.decryption_share_trustees],
    thresholdReached: r.decryption_threshold_reached,
    tally: r.tally_counts === null ? "pending" : r.tally_valid ? "verified" : "failed",
    ceremonyRecordError: r.ceremony_record_error,
  };
}

/** No problem the indexer found in a secret election: every ballot proof, the ceremony, the tally. */
export function secretProblemFree(r: ElectionRow): boolean {
  return r.invalid_ballots === 0 && r.ceremony_record_error === null && r.tally_valid !== false;
}

export interface BallotRecord {
  electionId: string;
  electionTitle: string;
  seq: string;
  tracker: string;
  /** Every proof of the ballot verifies (the indexer's check); an invalid ballot is not counted. */
  valid: boolean;
  invalidReason: string | null;
  blockNumber: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
  timestamp: Date;
  inGracePeriod: boolean;
  contact: Contact | null;
}

export interface ShareRecord {
  trustee: number;
  valid: boolean;
  error: string | null;
  blockNumber: number;
  txHash: string;
  timestamp: Date;
}

export interface SecretChoiceCount {
  choice: number;
  label: string;
  count: number;
  /** Share of the valid ballots, 0–100. */
  percent: number;
}

export interface SecretDetail {
  electionKey: string | null;
  /** Ballots recorded on chain (valid and invalid), on the election's one sequence. */
  ballots: number;
  validBallots: number;
  invalidBallots: number;
  trustees: TrusteeStatus;
  shares: ShareRecord[];
  /** The published tally, or null before the trustees publish it. */
  tally: {
    choices: SecretChoiceCount[];
    verified: boolean;
    error: string | null;
    blockNumber: number | null;
    txHash: string | null;
  } | null;
  firstBallot: BallotRecord | null;
  lastBallot: BallotRecord | null;
}

type BallotJoin = Pick<
  BallotRow,
  | "election_id"
  | "seq"
  | "tracker"
  | "valid"
  | "invalid_reason"
  | "block_number"
  | "block_hash"
  | "tx_hash"
  | "log_index"
  | "timestamp"
  | "in_grace_period"
> &
  Pick<ElectionRow, "title" | "metadata_raw">;

const BALLOT_SELECT = `select b.election_id, e.title, e.metadata_raw, b.seq::text, b.tracker, b.valid, b.invalid_reason,
  b.block_number, b.block_hash, b.tx_hash, b.log_index, b.timestamp, b.in_grace_period
  from ballot b join election e on e.id = b.election_id`;

function ballotOf(r: BallotJoin): BallotRecord {
  return {
    electionId: r.election_id,
    electionTitle: neutraliseBidi(r.title?.trim() || `Election ${r.election_id}`),
    seq: r.seq,
    tracker: r.tracker,
    valid: r.valid,
    invalidReason: r.invalid_reason === null ? null : neutraliseBidi(r.invalid_reason),
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    txHash: r.tx_hash,
    logIndex: r.log_index,
    timestamp: r.timestamp,
    inGracePeriod: r.in_grace_period,
    contact: extrasOf(r.metadata_raw).contact,
  };
}

function percentOf(count: number, total: number): number {
  return total > 0 ? Math.round((count / total) * 1000) / 10 : 0;
}

export interface SecretReads {
  /** What a secret election's page shows beyond the common figures (the caller read the row). */
  detail(r: ElectionRow): Promise<SecretDetail>;
  /** Every ballot with this tracker (normally one; a replay shows twice). Throws on a malformed tracker. */
  ballotsByTracker(tracker: string): Promise<BallotRecord[]>;
  /** Every ballot whose tracker starts with these REF_PREFIX_HEX hex digits (at most REF_PREFIX_LIMIT). */
  ballotsByTrackerPrefix(prefix: string): Promise<BallotRecord[]>;
}

export function createSecretReads(db: IndexerReader): SecretReads {
  return {
    async detail(r) {
      const lastSeq = BigInt(r.next_expected_seq) - 1n;
      const [shares, first, last] = await Promise.all([
        db.query<
          Pick<DecryptionShareRow, "trustee_index" | "valid" | "error" | "block_number" | "tx_hash" | "timestamp">
        >(
          `select trustee_index, valid, error, block_number, tx_hash, timestamp from decryption_share
            where election_id = $1 order by block_number, log_index`,
          [r.id],
        ),
        r.total_votes > 0
          ? db.query<BallotJoin>(`${BALLOT_SELECT} where b.election_id = $1 order by b.seq limit 1`, [r.id])
          : Promise.resolve([]),
        lastSeq >= 0n
          ? db.query<BallotJoin>(`${BALLOT_SELECT} where b.election_id = $1 and b.seq = $2::numeric`, [
              r.id,
              lastSeq.toString(),
            ])
          : Promise.resolve([]),
      ]);
      const counts = r.tally_counts;
      return {
        electionKey: r.election_key,
        ballots: r.total_votes,
        validBallots: r.valid_ballots,
        invalidBallots: r.invalid_ballots,
        // Non-null: r.secret is true for a secret election's row.
        trustees: trusteeStatusOf(r) ?? {
          threshold: null,
          trustees: null,
          sharesReceived: 0,
          sharesVerified: 0,
          verifiedTrustees: [],
          thresholdReached: false,
          tally: "pending",
          ceremonyRecordError: null,
        },
        shares: shares.map((s) => ({
          trustee: s.trustee_index,
          valid: s.valid,
          error: s.error === null ? null : neutraliseBidi(s.error),
          blockNumber: s.block_number,
          txHash: s.tx_hash,
          timestamp: s.timestamp,
        })),
        tally:
          counts === null
            ? null
            : {
                choices: Array.from({ length: r.choice_count }, (_, choice) => {
                  // uint64 counts: far beyond any electorate before they leave Number's exact range.
                  const count = Number(counts[choice] ?? 0);
                  return {
                    choice,
                    label: labelOf(r.choice_labels, choice),
                    count,
                    percent: percentOf(count, r.valid_ballots),
                  };
                }),
                verified: r.tally_valid === true,
                error: r.tally_error === null ? null : neutraliseBidi(r.tally_error),
                blockNumber: r.tally_published_at_block,
                txHash: r.tally_tx,
              },
        firstBallot: first[0] ? ballotOf(first[0]) : null,
        lastBallot: last[0] ? ballotOf(last[0]) : null,
      };
    },
    async ballotsByTracker(tracker) {
      const hex = readTracker(tracker);
      const rows = await db.query<BallotJoin>(
        `${BALLOT_SELECT} where b.tracker = $1 order by b.block_number, b.log_index`,
        [hex],
      );
      return rows.map(ballotOf);
    },
    async ballotsByTrackerPrefix(prefix) {
      if (!new RegExp(`^[0-9a-f]{${REF_PREFIX_HEX}}$`).test(prefix)) {
        throw new InvalidInputError(
          "prefix",
          `expected ${REF_PREFIX_HEX} lower-case hex digits, the start of a tracker after 0x`,
        );
      }
      const rows = await db.query<BallotJoin>(
        // A range, not LIKE: the tracker's index is in the database's collation, where LIKE cannot use
        // it; hex digits sort below "g" in every collation.
        `${BALLOT_SELECT} where b.tracker >= $1 and b.tracker < $2
          order by b.tracker, b.block_number, b.log_index limit $3`,
        [`0x${prefix}`, `0x${prefix}g`, REF_PREFIX_LIMIT],
      );
      return rows.map(ballotOf);
    },
  };
}
