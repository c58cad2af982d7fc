/**
 * Single votes as the chain recorded them (the indexer's vote table): by ref for /votes/{ref},
 * by ref prefix for the private lookup of /verify, and the first and last of an election.
 */
import { encodeRef, InvalidInputError, parseRef } from "@veritally/contracts";
import type { ElectionRow, VoteRow as IndexerVoteRow } from "@veritally/indexer/read-model";
import { neutraliseBidi } from "./display-text.js";
import { type Contact, extrasOf } from "./election-extras.js";
import type { IndexerReader } from "./indexer-reader.js";
import { REF_PREFIX_HEX, REF_PREFIX_LIMIT } from "./ref-prefix.js";

export interface VoteRecord {
  electionId: string;
  electionTitle: string;
  seq: string;
  ref: string;
  refText: string;
  choice: number;
  choiceLabel: string;
  /** Labels of every choice of the election, in choice order. */
  choices: string[];
  voteHash: string;
  blockNumber: number;
  blockHash: string;
  timestamp: Date;
  txHash: string;
  logIndex: number;
  inGracePeriod: boolean;
  /** Whom to report a problem to, from the election's metadata. */
  contact: Contact | null;
}

export function labelOf(labels: string[] | null, choice: number): string {
  const label = labels?.[choice];
  return label === undefined ? `Choice ${choice}` : neutraliseBidi(label);
}

/** A vote joined with what its page shows of its election, as the indexer's read model types them. */
type VoteRow = Pick<
  IndexerVoteRow,
  | "election_id"
  | "seq"
  | "ref"
  | "choice"
  | "vote_hash"
  | "block_number"
  | "block_hash"
  | "timestamp"
  | "tx_hash"
  | "log_index"
  | "in_grace_period"
> &
  Pick<ElectionRow, "title" | "choice_labels" | "choice_count" | "metadata_raw">;

const VOTE_SELECT = `select v.election_id, e.title, e.choice_labels, e.choice_count, e.metadata_raw, v.seq::text, v.ref, v.choice, v.vote_hash,
  v.block_number, v.block_hash, v.timestamp, v.tx_hash, v.log_index, v.in_grace_period
  from vote v join election e on e.id = v.election_id`;

function voteOf(r: VoteRow): VoteRecord {
  return {
    electionId: r.election_id,
    electionTitle: neutraliseBidi(r.title?.trim() || `Election ${r.election_id}`),
    seq: r.seq,
    ref: r.ref,
    refText: encodeRef(r.ref),
    choice: r.choice,
    choiceLabel: labelOf(r.choice_labels, r.choice),
    choices: Array.from({ length: r.choice_count }, (_, i) => labelOf(r.choice_labels, i)),
    voteHash: r.vote_hash,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    timestamp: r.timestamp,
    txHash: r.tx_hash,
    logIndex: r.log_index,
    inGracePeriod: r.in_grace_period,
    contact: extrasOf(r.metadata_raw).contact,
  };
}

/** One line of an election's public list of references. */
export interface RefListEntry {
  seq: string;
  ref: string;
  refText: string;
  choiceLabel: string;
  blockNumber: number;
}

export interface RefListPage {
  entries: RefListEntry[];
  /** The seq to continue after (browsing), or null at the end. */
  nextAfterSeq: string | null;
  /** A search result is capped at REF_LIST_PAGE entries (a narrower search finds the rest). */
  capped: boolean;
}

/** References listed per page of an election's list. */
export const REF_LIST_PAGE = 100;

export interface VoteReads {
  /**
   * An election's references in seq order, REF_LIST_PAGE at a time after `afterSeq`, or those
   * between two refs (a search, ref-search.ts). The caller checked the election id.
   */
  refList(
    electionId: string,
    options: { afterSeq?: string; range?: { from: string; to: string } },
  ): Promise<RefListPage>;
  votesByRef(ref: string): Promise<VoteRecord[]>;
  votesByRefPrefix(prefix: string): Promise<VoteRecord[]>;
  /** The vote at this seq of an election (the caller checked the id). */
  voteAt(electionId: string, seq: string): Promise<VoteRecord | null>;
  /** The lowest seq, normally 0 (a gap at the start shows in the integrity section). */
  firstVoteOf(electionId: string): Promise<VoteRecord | null>;
}

export function createVoteReads(db: IndexerReader): VoteReads {
  return {
    async refList(electionId, options) {
      const rows = options.range
        ? await db.query<VoteRow>(
            `${VOTE_SELECT} where v.election_id = $1 and v.ref between $2 and $3 order by v.ref limit $4`,
            [electionId, options.range.from, options.range.to, REF_LIST_PAGE + 1],
          )
        : await db.query<VoteRow>(
            `${VOTE_SELECT} where v.election_id = $1 and ($2::numeric is null or v.seq > $2::numeric)
              order by v.seq limit $3`,
            [electionId, options.afterSeq ?? null, REF_LIST_PAGE + 1],
          );
      const more = rows.length > REF_LIST_PAGE;
      const entries = rows.slice(0, REF_LIST_PAGE).map((r) => ({
        seq: r.seq,
        ref: r.ref,
        refText: encodeRef(r.ref),
        choiceLabel: labelOf(r.choice_labels, r.choice),
        blockNumber: r.block_number,
      }));
      const last = entries[entries.length - 1];
      return {
        entries,
        nextAfterSeq: !options.range && more && last ? last.seq : null,
        capped: Boolean(options.range) && more,
      };
    },
    async votesByRef(ref) {
      const hex = parseRef(ref);
      const rows = await db.query<VoteRow>(`${VOTE_SELECT} where v.ref = $1 order by v.block_number, v.log_index`, [
        hex,
      ]);
      return rows.map(voteOf);
    },
    async votesByRefPrefix(prefix) {
      if (!new RegExp(`^[0-9a-f]{${REF_PREFIX_HEX}}$`).test(prefix)) {
        throw new InvalidInputError("prefix", `expected ${REF_PREFIX_HEX} lower-case hex digits, the start of a ref`);
      }
      // ref is text in the C collation: a prefix LIKE walks the ref index.
      const rows = await db.query<VoteRow>(
        `${VOTE_SELECT} where v.ref like $1 order by v.ref, v.block_number, v.log_index limit $2`,
        [`0x${prefix}%`, REF_PREFIX_LIMIT],
      );
      return rows.map(voteOf);
    },
    async voteAt(electionId, seq) {
      const rows = await db.query<VoteRow>(`${VOTE_SELECT} where v.election_id = $1 and v.seq = $2::numeric`, [
        electionId,
        seq,
      ]);
      return rows[0] ? voteOf(rows[0]) : null;
    },
    async firstVoteOf(electionId) {
      const rows = await db.query<VoteRow>(`${VOTE_SELECT} where v.election_id = $1 order by v.seq limit 1`, [
        electionId,
      ]);
      return rows[0] ? voteOf(rows[0]) : null;
    },
  };
}
