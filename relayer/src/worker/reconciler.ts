/**
 * Reconciling an election with the chain after a batch failed (a revert, a foreseen revert, a
 * nonce taken by someone else). It waits until nothing of the election is in flight, then reads
 * the contract's nextSeq and the VoteRecorded events of the affected refs, and in one database
 * transaction:
 *   - votes the chain already has (by ref) keep the chain's seq and transaction: never sent again;
 *   - votes of a batch that failed for a permanent reason fail with that reason;
 *   - every other affected vote goes back to the queue without a seq;
 *   - the election's next seq becomes the chain's.
 * So nothing is recorded twice and the next batch starts exactly where the chain is: no gap.
 */
import { registryTopics, voteRegistryInterface } from "@veritally/contracts";
import { toBeHex, zeroPadValue } from "ethers";
import type { RpcPool } from "../chain/rpc-pool.js";
import type { Db } from "../db/pool.js";
import { bufferToHex, returnedId, withTransaction } from "../db/pool.js";
import { PERMANENT_REASONS } from "./reverts.js";
import { enqueueWebhooks } from "./webhooks.js";

export interface Reconciler {
  /** Reconciles every election that needs it and is quiet; returns the ids reconciled. */
  reconcileDue(): Promise<string[]>;
}

interface OnChainVote {
  seq: bigint;
  txHash: string;
  blockNumber: number;
}

export function createReconciler(deps: {
  db: Db;
  rpc: RpcPool;
  registryAddress: string;
  fromBlock: number;
  log: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}): Reconciler {
  const { db, rpc } = deps;

  async function nextSeqOnChain(electionId: string): Promise<bigint> {
    const data = voteRegistryInterface.encodeFunctionData("nextSeq", [BigInt(electionId)]);
    const result = await rpc.call<string>("eth_call", [{ to: deps.registryAddress, data }, "latest"]);
    return voteRegistryInterface.decodeFunctionResult("nextSeq", result)[0] as bigint;
  }

  /** VoteRecorded events of these refs (ref is an indexed topic), in chunks. */
  async function findOnChain(electionId: string, refs: Buffer[]): Promise<Map<string, OnChainVote>> {
    const found = new Map<string, OnChainVote>();
    const electionTopic = zeroPadValue(toBeHex(BigInt(electionId)), 32);
    for (let i = 0; i < refs.length; i += 200) {
      // An indexed bytes16 is its bytes left-aligned in the 32-byte topic.
      const chunk = refs.slice(i, i + 200).map((r) => `${bufferToHex(r)}${"0".repeat(32)}`);
      const logs = await rpc.call<
        { topics: string[]; data: string; transactionHash: string; blockNumber: string; removed?: boolean }[]
      >("eth_getLogs", [
        {
          address: deps.registryAddress,
          fromBlock: `0x${deps.fromBlock.toString(16)}`,
          toBlock: "latest",
          topics: [registryTopics.VoteRecorded, electionTopic, chunk],
        },
      ]);
      for (const log of logs) {
        if (log.removed) continue;
        const parsed = voteRegistryInterface.parseLog({ topics: log.topics, data: log.data });
        if (!parsed) continue;
        found.set((parsed.args.ref as string).toLowerCase(), {
          seq: parsed.args.seq as bigint,
          txHash: log.transactionHash,
          blockNumber: Number(BigInt(log.blockNumber)),
        });
      }
    }
    return found;
  }

  async function reconcile(electionId: string): Promise<boolean> {
    // Quiet: nothing of this election unmined, no revert waiting for its confirmations.
    const busy = await db.query(
      `select 1 from chain_txs
        where election_id = $1 and kind = 'record_batch'
          and (status in ('pending', 'submitted') or (status = 'mined' and receipt_status = 0))
        limit 1`,
      [electionId],
    );
    if (busy.rowCount) return false;

    const { rows: affected } = await db.query<{
      id: string;
      ref: Buffer;
      seq: string;
      batch_id: string;
      batch_state: string;
      batch_reason: string | null;
      choice: number;
      choice_count: number;
    }>(
      `select v.id, v.ref, v.seq, v.batch_id, b.state as batch_state, b.failure_reason as batch_reason, v.choice,
              e.choice_count
         from votes v join batches b on b.id = v.batch_id join elections e on e.election_id = v.election_id
        where v.election_id = $1 and v.state = 'batched' and b.state in ('formed', 'failed')
        order by v.seq`,
      [electionId],
    );
    const chainNext = await nextSeqOnChain(electionId);
    const onChain = affected.length
      ? await findOnChain(
          electionId,
          affected.map((v) => v.ref),
        )
      : new Map();

    const summary = await withTransaction(db, async (client) => {
      const locked = await client.query<{ needs_reconcile: boolean }>(
        "select needs_reconcile from elections where election_id = $1 for update",
        [electionId],
      );
      if (!locked.rows[0]?.needs_reconcile) return null;
      const ids = affected.map((v) => v.id);
      const batchIds = [...new Set(affected.map((v) => v.batch_id))];
      await client.query(
        `update batches set state = 'failed', failure_reason = coalesce(failure_reason, 'reconciled')
          where id = any($1::bigint[])`,
        [batchIds],
      );
      // Release every affected seq first; then give back the ones the chain has.
      await client.query(
        "update votes set state = 'queued', seq = null, batch_id = null where id = any($1::bigint[])",
        [ids],
      );
      const recorded = new Map<string, { seq: bigint; voteId: string; blockNumber: number }[]>();
      const failed: { id: string; reason: string }[] = [];
      for (const v of affected) {
        const hit = onChain.get(bufferToHex(v.ref));
        if (hit) {
          const list = recorded.get(hit.txHash) ?? [];
          list.push({ seq: hit.seq, voteId: v.id, blockNumber: hit.blockNumber });
          recorded.set(hit.txHash, list);
          continue;
        }
        const reason = v.batch_reason ?? "";
        if (v.choice >= v.choice_count) failed.push({ id: v.id, reason: "choice_out_of_range" });
        else if (PERMANENT_REASONS.has(reason) && reason !== "choice_out_of_range") failed.push({ id: v.id, reason });
      }
      for (const [txHash, votes] of recorded) {
        votes.sort((a, b) => (a.seq < b.seq ? -1 : 1));
        const first = votes[0];
        if (!first) continue;
        const inserted = await client.query<{ id: string }>(
          `insert into batches (election_id, first_seq, vote_count, state, tx_hash, block_number, included_at, failure_reason)
           values ($1, $2, $3, 'included', $4, $5, now(), null) returning id`,
          [electionId, first.seq.toString(), votes.length, Buffer.from(txHash.slice(2), "hex"), first.blockNumber],
        );
        const batchId = returnedId(inserted, "a batch the chain already has");
        await client.query(
          `update votes v set state = 'batched', batch_id = $1, seq = o.seq
             from unnest($2::bigint[], $3::bigint[]) as o(id, seq) where v.id = o.id`,
          [batchId, votes.map((x) => x.voteId), votes.map((x) => x.seq.toString())],
        );
      }
      if (failed.length) {
        for (const reason of new Set(failed.map((f) => f.reason))) {
          await client.query("update votes set state = 'failed', failure_reason = $2 where id = any($1::bigint[])", [
            failed.filter((f) => f.reason === reason).map((f) => f.id),
            reason,
          ]);
        }
        await enqueueWebhooks(
          client,
          "votes.failed",
          failed.map((f) => f.id),
        );
      }
      await client.query(
        "update elections set next_seq = $2, needs_reconcile = false, updated_at = now() where election_id = $1",
        [electionId, chainNext.toString()],
      );
      return {
        affected: affected.length,
        alreadyOnChain: [...recorded.values()].reduce((n, l) => n + l.length, 0),
        failed: failed.length,
        chainNextSeq: chainNext.toString(),
      };
    });
    if (summary) deps.log("warn", "election reconciled with the chain", { electionId, ...summary });
    return summary !== null;
  }

  return {
    async reconcileDue() {
      const { rows } = await db.query<{ election_id: string }>(
        "select election_id from elections where needs_reconcile",
      );
      const done: string[] = [];
      for (const r of rows) if (await reconcile(r.election_id)) done.push(r.election_id);
      return done;
    },
  };
}
