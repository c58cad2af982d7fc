/**
 * The worker: one loop per signing key, under a Postgres advisory lock so only one process ever
 * sends with that key (API processes scale out; workers wait for the lock). Each tick:
 * track what is in flight, reconcile elections whose batch failed, send election operations,
 * form due batches and send them (fees under the cap, in-flight limit), re-read elections from
 * the chain now and then, deliver webhooks, and report a heartbeat.
 */
import {
  backoffDelay,
  encodeElectionMetadata,
  isRetryable,
  NonRetryableError,
  validateElectionMetadata,
  voteRegistryInterface,
} from "@veritally/contracts";
import { keccak256, toUtf8Bytes, type Wallet } from "ethers";
import pg from "pg";
import type { ChainContext } from "../chain/context.js";
import { createFeeOracle, type FeeOracle, type FeeQuote } from "../chain/fee-oracle.js";
import { createNonceManager } from "../chain/nonce-manager.js";
import type { Config } from "../config.js";
import type { Db } from "../db/pool.js";
import { withTransaction } from "../db/pool.js";
import type { Log } from "../log.js";
import { readControl } from "../services/control.js";
import { createBatcher } from "./batcher.js";
import { createReconciler } from "./reconciler.js";
import { batchGasLimit, createSubmitter, encodeRecordBatch } from "./submitter.js";
import { createWebhookSender, enqueueBatchWebhooks, enqueueWebhooks } from "./webhooks.js";

export interface WorkerDeps {
  config: Config;
  db: Db;
  chain: ChainContext;
  wallet: Wallet;
  log: Log;
}

export interface Worker {
  /** Takes the signing key's lock (waits for it) and syncs nonces. */
  start(): Promise<void>;
  /** One pass of the loop (tests drive it directly). */
  tick(): Promise<void>;
  /** Runs ticks every POLL_MS until stop(). */
  run(): Promise<void>;
  stop(): Promise<void>;
  readonly signer: string;
  readonly fees: FeeOracle;
}

/** The advisory lock key of a signing address: its first 8 bytes as a signed 64-bit integer. */
export function signerLockKey(address: string): string {
  return BigInt.asIntN(
    64,
    BigInt(keccak256(toUtf8Bytes(`veritally-signer:${address.toLowerCase()}`)).slice(0, 18)),
  ).toString();
}

export function createWorker(deps: WorkerDeps): Worker {
  const { config, db, chain, wallet, log } = deps;
  const signer = wallet.address.toLowerCase();
  const nonces = createNonceManager({ db, rpc: chain.rpc, signer });
  const fees = createFeeOracle({
    rpc: chain.rpc,
    capPerGas: config.maxFeePerGas,
    minPriorityFeePerGas: config.minPriorityFeePerGas,
    bumpPercent: config.replacementBumpPercent,
  });
  const submitter = createSubmitter({
    db,
    rpc: chain.rpc,
    wallet,
    nonces,
    fees,
    chainId: chain.chainId,
    registryAddress: chain.registryAddress,
    confirmations: config.confirmations,
    stuckAfterMs: config.stuckAfterMs,
    log,
  });
  const batcher = createBatcher({
    db,
    maxBatch: config.maxBatch,
    maxWaitMs: config.maxWaitMs,
    onVotesFailed: (client, ids) => enqueueWebhooks(client, "votes.failed", ids).then(() => {}),
  });
  const reconciler = createReconciler({
    db,
    rpc: chain.rpc,
    registryAddress: chain.registryAddress,
    fromBlock: chain.fromBlock,
    log,
  });
  const webhooks = createWebhookSender({
    db,
    timeoutMs: config.webhookTimeoutMs,
    maxAttempts: config.webhookMaxAttempts,
    retryBaseMs: config.webhookRetryBaseMs,
    allowPrivate: config.webhookAllowPrivate,
  });

  let lockClient: pg.Client | undefined;
  let lockLost = false;
  let stopping = false;
  let running: Promise<void> | undefined;
  let lastRefresh = 0;
  let lastPurge = 0;
  let lastError: string | null = null;
  let waiting: string | null = null;
  const simulationBackoff = new Map<string, number>();

  async function heartbeat(head: number | null): Promise<void> {
    const quote = fees.last();
    const final = submitter.finality();
    const view = submitter.nonces();
    await db.query(
      `insert into worker_status (signer, heartbeat_at, chain_head, base_fee_per_gas, priority_fee_per_gas,
                                  fee_cap_per_gas, waiting_reason, last_error, rpc_url, finalized_block,
                                  final_block, confirmations, chain_nonce, next_nonce, nonce_gap_from,
                                  nonce_gap_to, nonce_gap_since)
       values ($1, now(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
               case when $14::bigint is null then null else now() end)
       on conflict (signer) do update set heartbeat_at = now(), chain_head = coalesce($2, worker_status.chain_head),
         base_fee_per_gas = $3, priority_fee_per_gas = $4, fee_cap_per_gas = $5, waiting_reason = $6,
         last_error = $7, rpc_url = $8, finalized_block = $9, final_block = $10, confirmations = $11,
         chain_nonce = $12, next_nonce = $13, nonce_gap_from = $14, nonce_gap_to = $15,
         -- when the gap opened, on the database's clock (stats measure its age with now())
         nonce_gap_since = case when $14::bigint is null then null
                                else coalesce(worker_status.nonce_gap_since, now()) end`,
      [
        signer,
        head,
        quote?.baseFeePerGas.toString() ?? null,
        quote?.maxPriorityFeePerGas.toString() ?? null,
        config.maxFeePerGas.toString(),
        waiting,
        lastError,
        chain.rpc.activeUrl(),
        final?.finalizedTag ?? null,
        final?.final ?? null,
        final?.confirmations ?? null,
        view.chainNonce,
        nonces.peek(),
        view.gap?.from ?? null,
        view.gap?.to ?? null,
      ],
    );
  }

  async function quoteOrWait(): Promise<FeeQuote | null> {
    const quote = await fees.quote();
    if (quote.aboveCap) {
      waiting = "fee_cap";
      await db.query("update batches set waiting_reason = 'fee_cap' where state = 'formed' and tx_id is null");
      return null;
    }
    return quote;
  }

  async function estimate(data: string): Promise<bigint> {
    const gas = BigInt(
      await chain.rpc.call<string>("eth_estimateGas", [{ from: signer, to: chain.registryAddress, data }]),
    );
    return (gas * 12n) / 10n + 20_000n;
  }

  async function sendElectionOps(): Promise<void> {
    const liveTx = (kind: string) =>
      `not exists (select 1 from chain_txs t where t.election_id = e.election_id and t.kind = '${kind}'
                    and not (t.status = 'failed' and t.revert_reason = 'nonce_taken'))`;
    const creates = await db.query<{
      election_id: string;
      choice_count: number;
      opens_at: Date;
      closes_at: Date;
      record_until: Date;
      metadata: unknown;
    }>(
      `select election_id, choice_count, opens_at, closes_at, record_until, metadata from elections e
        where state = 'creating' and ${liveTx("create_election")} order by created_at limit 10`,
    );
    const closes = await db.query<{ election_id: string }>(
      `select election_id from elections e
        where state = 'active' and closed_at is not null and not chain_closed and failure_reason is null
          and ${liveTx("close_election")} limit 10`,
    );
    if (creates.rows.length + closes.rows.length === 0) return;
    const seconds = (d: Date) => BigInt(Math.floor(d.getTime() / 1000));
    for (const e of creates.rows) {
      const data = voteRegistryInterface.encodeFunctionData("createElection", [
        BigInt(e.election_id),
        e.choice_count,
        seconds(e.opens_at),
        seconds(e.closes_at),
        seconds(e.record_until),
        encodeElectionMetadata(validateElectionMetadata(e.metadata)),
      ]);
      const problem = await submitter.simulate(data);
      if (problem) {
        if (problem.action === "wait" && problem.reason !== "reverted") continue;
        await db.query("update elections set state = 'failed', failure_reason = $2 where election_id = $1", [
          e.election_id,
          problem.detail.slice(0, 300),
        ]);
        log("warn", "election cannot be created", { electionId: e.election_id, reason: problem.detail });
        continue;
      }
      const quote = await quoteOrWait();
      if (!quote) return;
      const hash = await submitter.send("create_election", e.election_id, data, await estimate(data), quote);
      log("info", "createElection sent", { electionId: e.election_id, hash });
    }
    for (const e of closes.rows) {
      const data = voteRegistryInterface.encodeFunctionData("closeElection", [BigInt(e.election_id)]);
      const problem = await submitter.simulate(data);
      if (problem) {
        if (/AlreadyClosed/.test(problem.detail)) {
          await db.query("update elections set chain_closed = true where election_id = $1", [e.election_id]);
        } else if (problem.action !== "wait") {
          await db.query("update elections set failure_reason = $2 where election_id = $1", [
            e.election_id,
            `close failed: ${problem.detail.slice(0, 300)}`,
          ]);
        }
        continue;
      }
      const quote = await quoteOrWait();
      if (!quote) return;
      const hash = await submitter.send("close_election", e.election_id, data, await estimate(data), quote);
      log("info", "closeElection sent", { electionId: e.election_id, hash });
    }
  }

  async function sendFormed(): Promise<void> {
    const { rows: formed } = await db.query<{ id: string; election_id: string; first_seq: string; vote_count: number }>(
      `select b.id, b.election_id, b.first_seq, b.vote_count from batches b
         join elections e on e.election_id = b.election_id and not e.needs_reconcile
        where b.state = 'formed' and b.tx_id is null
        order by b.id limit 100`,
    );
    if (formed.length === 0) return;
    let inFlight = await submitter.inFlight();
    if (inFlight >= config.maxInFlight) return;
    const quote = await quoteOrWait();
    if (!quote) return;
    const { rows: busy } = await db.query<{ election_id: string }>(
      `select distinct election_id from chain_txs
        where signer = $1 and kind = 'record_batch' and status in ('pending', 'submitted')`,
      [signer],
    );
    const electionsInFlight = new Set(busy.map((r) => r.election_id));
    const blocked = new Set<string>();
    for (const b of formed) {
      if (inFlight >= config.maxInFlight) break;
      if (blocked.has(b.election_id)) continue;
      const { rows: votes } = await db.query<{ ref: Buffer; choice: number; vote_hash: Buffer; seq: string }>(
        "select ref, choice, vote_hash, seq from votes where batch_id = $1 order by seq",
        [b.id],
      );
      const first = Number(b.first_seq);
      if (votes.length !== b.vote_count || votes.some((v, i) => Number(v.seq) !== first + i)) {
        throw new NonRetryableError("batch_inconsistent", `batch ${b.id}: its votes do not hold seqs ${first}…`);
      }
      const data = encodeRecordBatch(b.election_id, first, votes);
      if (!electionsInFlight.has(b.election_id)) {
        // Nothing of this election ahead of it: the current state decides, so simulate first.
        if ((simulationBackoff.get(b.election_id) ?? 0) > Date.now()) {
          blocked.add(b.election_id);
          continue;
        }
        const problem = await submitter.simulate(data);
        if (problem) {
          blocked.add(b.election_id);
          if (problem.action === "wait") {
            simulationBackoff.set(b.election_id, Date.now() + 2000);
            // Every unsent batch of the election waits for the same thing.
            await db.query(
              "update batches set waiting_reason = $2 where election_id = $1 and state = 'formed' and tx_id is null",
              [b.election_id, problem.reason],
            );
            waiting = problem.reason;
          } else {
            log("warn", "batch would revert: reconciling", { batch: b.id, reason: problem.detail });
            await withTransaction(db, async (client) => {
              await client.query("update batches set state = 'failed', failure_reason = $2 where id = $1", [
                b.id,
                problem.reason,
              ]);
              await client.query("update elections set needs_reconcile = true where election_id = $1", [b.election_id]);
            });
          }
          continue;
        }
      }
      await submitter.send("record_batch", b.election_id, data, batchGasLimit(votes.length), quote, b.id);
      electionsInFlight.add(b.election_id);
      inFlight++;
    }
  }

  /** Batches the reconciler found on chain (no transaction of ours) become final by the same rule. */
  async function confirmRecovered(): Promise<void> {
    const final = submitter.finality()?.final;
    if (final === undefined) return;
    await withTransaction(db, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `update batches set state = 'confirmed', confirmed_at = now()
          where tx_id is null and state = 'included' and block_number <= $1 returning id`,
        [final],
      );
      await enqueueBatchWebhooks(
        client,
        "votes.confirmed",
        rows.map((r) => r.id),
      );
    });
  }

  async function refreshElections(): Promise<void> {
    const { rows } = await db.query<{ election_id: string }>(
      "select election_id from elections where state = 'active' and not chain_closed and record_until > now() - interval '1 day' limit 200",
    );
    for (const r of rows) {
      const e = await chain.registry.getElection(BigInt(r.election_id));
      await db.query(
        `update elections set chain_closed = $2, closes_at = to_timestamp($3), updated_at = now()
          where election_id = $1 and (chain_closed <> $2 or closes_at <> to_timestamp($3))`,
        [r.election_id, e.closed, Number(e.closesAt)],
      );
    }
  }

  async function tick(): Promise<void> {
    if (lockLost) throw new NonRetryableError("lock_lost", "lost the signing key's advisory lock");
    waiting = null;
    let head: number | null = null;
    try {
      head = Number(BigInt(await chain.rpc.call<string>("eth_blockNumber")));
      await submitter.track(head);
      // A stuck transaction the cap keeps from being replaced waits for fees as much as an unsent batch.
      if (submitter.heldByFeeCap() > 0) waiting = "fee_cap";
      await confirmRecovered();
      await reconciler.reconcileDue();
      await sendElectionOps();
      await batcher.expire();
      const control = await readControl(db);
      if (control.submissionPaused) {
        waiting = "submission_paused";
      } else {
        await batcher.formDue();
        await sendFormed();
      }
      if (Date.now() - lastRefresh > config.chainRefreshMs) {
        lastRefresh = Date.now();
        await refreshElections();
      }
      await webhooks.deliverDue();
      if (Date.now() - lastPurge > 60_000) {
        lastPurge = Date.now();
        // Stored answers hold receipts: keep them only as long as a retry is plausible.
        await db.query("delete from idempotency_keys where created_at < now() - make_interval(hours => $1)", [
          config.idempotencyTtlHours,
        ]);
      }
      lastError = null;
    } catch (error) {
      lastError = (error as Error).message.slice(0, 500);
      log(isRetryable(error) ? "warn" : "error", "tick failed", { error: lastError });
      throw error;
    } finally {
      await heartbeat(head).catch(() => {});
    }
  }

  return {
    signer,
    fees,
    async start() {
      lockClient = new pg.Client({
        connectionString: config.databaseUrl,
        application_name: "veritally-relayer-worker-lock",
      });
      lockClient.on("error", () => {
        lockLost = true;
      });
      lockClient.on("end", () => {
        if (!stopping) lockLost = true;
      });
      await lockClient.connect();
      const key = signerLockKey(signer);
      let announced = false;
      for (;;) {
        const { rows } = await lockClient.query<{ ok: boolean }>("select pg_try_advisory_lock($1::bigint) as ok", [
          key,
        ]);
        if (rows[0]?.ok) break;
        if (!announced) log("info", "another worker holds this signing key's lock; waiting", { signer });
        announced = true;
        if (stopping) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
      await nonces.sync();
      log("info", "worker started", {
        signer,
        chainId: chain.chainId,
        registry: chain.registryAddress,
        nextNonce: nonces.peek(),
      });
    },
    tick,
    run() {
      running ??= (async () => {
        let failures = 0;
        while (!stopping) {
          try {
            await tick();
            failures = 0;
          } catch (error) {
            if (lockLost) throw error;
            failures++;
          }
          const delay =
            failures === 0
              ? config.pollMs
              : backoffDelay({ baseMs: config.pollMs, maxMs: 5000, maxDoublings: 6 }, failures);
          await new Promise((r) => setTimeout(r, delay));
        }
      })();
      return running;
    },
    async stop() {
      stopping = true;
      await running?.catch(() => {});
      if (lockClient) {
        await lockClient.query("select pg_advisory_unlock_all()").catch(() => {});
        await lockClient.end().catch(() => {});
      }
    },
  };
}
