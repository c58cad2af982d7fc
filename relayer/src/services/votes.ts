/**
 * Accepting a vote: checks the election (window, choice), keys the voter id with HMAC, draws the
 * ref and the receipt secret, computes the vote hash, and answers only after the row is
 * committed. With an Idempotency-Key, the first answer is stored and a retry gets it again.
 */
import { createHmac } from "node:crypto";
import { encodeReceipt, encodeRef, newReceiptSecret, newRef, parseRef, RetryableError } from "@veritally/contracts";
import type { Db } from "../db/pool.js";
import { bufferToHex, hexToBuffer } from "../db/pool.js";
import { badRequest, conflict, notFound, unavailable, unprocessable } from "../http-errors.js";
import { type BatchState, VoteRowState, type VoteStatus, voteStatusOf } from "../states.js";
import type { ClientPrincipal } from "./api-keys.js";
import type { Control } from "./control.js";
import type { ElectionDirectory } from "./elections.js";
import { intakeState } from "./elections.js";
import type { VoteHasher } from "./vote-hasher.js";
import type { VoteWriter } from "./vote-writer.js";
import { canonicalVoterId, type VoterIdCase } from "./voter-id.js";

export const MAX_UINT256 = (1n << 256n) - 1n;

export function parseElectionId(text: string): bigint {
  if (!/^[0-9]{1,78}$/.test(text)) throw badRequest("invalid_input", "electionId: expected a decimal integer");
  const id = BigInt(text);
  if (id > MAX_UINT256) throw badRequest("invalid_input", "electionId: above the uint256 range");
  return id;
}

export interface VoteAccepted {
  electionId: string;
  ref: string;
  refHex: string;
  receipt: string;
  voteHash: string;
  status: "queued";
  statusUrl: string;
}

export interface AcceptInput {
  principal: ClientPrincipal;
  electionId: string;
  voterId: string;
  choice: number;
  idempotencyKey?: string | undefined;
}

export interface VoteStatusView {
  ref: string;
  electionId: string;
  status: VoteStatus;
  reason: string | null;
  waiting: string | null;
  seq: string | null;
  txHash: string | null;
  blockNumber: number | null;
  confirmations: number;
  acceptedAt: string;
}

export interface VoteService {
  accept(input: AcceptInput): Promise<{ body: VoteAccepted; replayed: boolean }>;
  status(refText: string): Promise<VoteStatusView | null>;
}

export interface VoteServiceDeps {
  db: Db;
  writer: VoteWriter;
  elections: ElectionDirectory;
  control: Control;
  chainId: number;
  registryAddress: string;
  voterIdSecret: string;
  /** The default voter-id case policy (VOTER_ID_CASE). */
  voterIdCase: VoterIdCase;
  hasher: VoteHasher;
  /** The relayer's clock (ms) for whether an election's intake is open; Date.now by default. */
  now?: () => number;
}

export function createVoteService(deps: VoteServiceDeps): VoteService {
  const { db, writer, elections, control } = deps;
  const hmac = (text: string) => createHmac("sha256", deps.voterIdSecret).update(text).digest();

  async function priorAnswer(clientId: string, key: string, requestHash: Buffer) {
    const { rows } = await db.query<{ request_hash: Buffer; response: VoteAccepted }>(
      "select request_hash, response from idempotency_keys where client_id = $1 and key = $2",
      [clientId, key],
    );
    const row = rows[0];
    if (!row) return null;
    if (!row.request_hash.equals(requestHash)) {
      throw unprocessable(
        "idempotency_key_reused",
        "this Idempotency-Key was used with another request body: use a new key for a new vote",
      );
    }
    return row.response;
  }

  return {
    async accept(input) {
      const electionId = parseElectionId(input.electionId);
      const id = electionId.toString();
      const voterId = canonicalVoterId(input.voterId, input.principal.voterIdCase ?? deps.voterIdCase);
      const requestHash = input.idempotencyKey ? hmac(`idempotency\n${id}\n${voterId}\n${input.choice}`) : undefined;
      if (input.idempotencyKey && requestHash) {
        const prior = await priorAnswer(input.principal.clientId, input.idempotencyKey, requestHash);
        if (prior) return { body: prior, replayed: true };
      }
      if ((await control.get()).intakePaused) throw unavailable("intake_paused", "vote intake is paused", 30);
      const election = await elections.get(electionId);
      if (!election) throw notFound("unknown_election", `election ${id} does not exist`);
      const intake = intakeState(election, new Date((deps.now ?? Date.now)()));
      if (!intake.open) {
        if (intake.code === "election_paused") throw unavailable(intake.code, intake.message, 30);
        throw unprocessable(intake.code, intake.message);
      }
      if (input.choice >= election.choiceCount) {
        throw unprocessable(
          "choice_out_of_range",
          `choice: ${input.choice} is not a choice of this election (0 to ${election.choiceCount - 1})`,
        );
      }
      const voterHash = hmac(`voter\n${id}\n${voterId}`);

      for (let attempt = 0; attempt < 3; attempt++) {
        const ref = newRef();
        const receiptSecret = newReceiptSecret();
        const voteHash = await deps.hasher.hash({
          chainId: deps.chainId,
          registry: deps.registryAddress,
          electionId,
          ref,
          choice: input.choice,
          receiptSecret,
        });
        const humanRef = encodeRef(ref);
        const body: VoteAccepted = {
          electionId: id,
          ref: humanRef,
          refHex: ref,
          receipt: encodeReceipt(receiptSecret),
          voteHash,
          status: "queued",
          statusUrl: `/v1/votes/${humanRef}`,
        };
        const row = {
          electionId: id,
          clientId: input.principal.clientId,
          voterHash,
          ref: hexToBuffer(ref),
          choice: input.choice,
          voteHash: hexToBuffer(voteHash),
        };
        if (input.idempotencyKey && requestHash) {
          try {
            await db.query(
              `with v as (
                 insert into votes (election_id, client_id, voter_hash, ref, choice, vote_hash)
                 values ($1, $2, $3, $4, $5, $6) returning id)
               insert into idempotency_keys (client_id, key, request_hash, vote_id, response)
               select $2, $7, $8, id, $9 from v`,
              [
                row.electionId,
                row.clientId,
                row.voterHash,
                row.ref,
                row.choice,
                row.voteHash,
                input.idempotencyKey,
                requestHash,
                JSON.stringify(body),
              ],
            );
            return { body, replayed: false };
          } catch (error) {
            const e = error as { code?: string; constraint?: string };
            if (e.code !== "23505") throw error;
            if (e.constraint === "votes_ref") continue;
            // A concurrent request with the same key may have won: answer as it did.
            const prior = await priorAnswer(input.principal.clientId, input.idempotencyKey, requestHash);
            if (prior) return { body: prior, replayed: true };
            if (e.constraint === "votes_voter") throw duplicateVoter();
            throw error;
          }
        }
        const outcome = await writer.write(row);
        if (outcome.kind === "inserted") return { body, replayed: false };
        if (outcome.kind === "duplicate_voter") throw duplicateVoter();
      }
      throw new RetryableError("ref_collision", "could not draw a free ref; try again");
    },

    async status(refText) {
      let refHex: string;
      try {
        refHex = parseRef(refText);
      } catch (error) {
        throw badRequest("invalid_input", (error as Error).message);
      }
      const { rows } = await db.query<{
        election_id: string;
        seq: string | null;
        state: VoteRowState;
        failure_reason: string | null;
        accepted_at: Date;
        batch_state: BatchState | null;
        tx_hash: Buffer | null;
        block_number: string | null;
        waiting_reason: string | null;
        head: string | null;
        submission_paused: boolean;
      }>(
        `select v.election_id, v.seq, v.state, v.failure_reason, v.accepted_at,
                b.state as batch_state, b.tx_hash, b.block_number, b.waiting_reason,
                (select max(chain_head) from worker_status) as head,
                (select submission_paused from relayer_control) as submission_paused
           from votes v left join batches b on b.id = v.batch_id
          where v.ref = $1`,
        [hexToBuffer(refHex)],
      );
      const r = rows[0];
      if (!r) return null;
      const status = voteStatusOf(r.state, r.batch_state);
      const mined = status === "included" || status === "confirmed";
      const sent = mined || status === "submitted";
      const blockNumber = mined && r.block_number !== null ? Number(r.block_number) : null;
      const head = r.head === null ? null : Number(r.head);
      let waiting: string | null = null;
      if (status === "queued" || status === "batched") {
        waiting = r.submission_paused ? "submission_paused" : (r.waiting_reason ?? null);
      } else if (status === "submitted") {
        // fee_cap: the transaction is stuck and a replacement would pay more than the cap.
        waiting = r.waiting_reason ?? null;
      }
      return {
        ref: encodeRef(refHex),
        electionId: r.election_id,
        status,
        reason: r.state === VoteRowState.Failed ? r.failure_reason : null,
        waiting,
        seq: r.state === VoteRowState.Batched ? r.seq : null,
        txHash: sent && r.tx_hash ? bufferToHex(r.tx_hash) : null,
        blockNumber,
        confirmations: blockNumber !== null && head !== null ? Math.max(0, head - blockNumber + 1) : 0,
        acceptedAt: r.accepted_at.toISOString(),
      };
    },
  };
}

function duplicateVoter() {
  return conflict("duplicate_voter", "this voter has already voted in this election");
}
