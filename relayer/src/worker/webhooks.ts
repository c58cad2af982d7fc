/**
 * Notifications to voting clients: when their votes are confirmed or fail, one message per client
 * and batch is written to webhook_deliveries in the same transaction as the state change, then
 * posted with an HMAC signature and retried with exponential backoff and jitter. Delivery is at
 * least once (a crash mid-post sends again): receivers dedupe on Veritally-Delivery.
 *
 *   Veritally-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
 */
import { createHmac } from "node:crypto";
import { backoffDelay, encodeRef } from "@veritally/contracts";
import type pg from "pg";
import type { Db } from "../db/pool.js";
import { bufferToHex } from "../db/pool.js";
import { postWebhook, type Resolver } from "../services/webhook-url.js";

/** votes.included: in a block, not final yet (a reorg can still take it out); votes.confirmed: final. */
export type WebhookEvent = "votes.included" | "votes.confirmed" | "votes.failed";

export interface WebhookPayload {
  event: WebhookEvent;
  electionId: string;
  txHash: string | null;
  blockNumber: number | null;
  votes: { ref: string; seq: string | null; status: "included" | "confirmed" | "failed"; reason: string | null }[];
}

/** Writes the messages for these votes (of clients with a webhook), inside the caller's transaction. */
export async function enqueueWebhooks(client: pg.PoolClient, event: WebhookEvent, voteIds: string[]): Promise<number> {
  if (voteIds.length === 0) return 0;
  const { rows } = await client.query<{
    client_id: string;
    election_id: string;
    ref: Buffer;
    seq: string | null;
    failure_reason: string | null;
    tx_hash: Buffer | null;
    block_number: string | null;
  }>(
    `select v.client_id, v.election_id, v.ref, v.seq, v.failure_reason, b.tx_hash, b.block_number
       from votes v
       join clients c on c.id = v.client_id and c.webhook_url is not null
       left join batches b on b.id = v.batch_id
      where v.id = any($1::bigint[])
      order by v.client_id, v.election_id, v.seq nulls last`,
    [voteIds],
  );
  const onChain = event !== "votes.failed";
  const groups = new Map<string, { clientId: string; payload: WebhookPayload }>();
  for (const r of rows) {
    const key = `${r.client_id}:${r.election_id}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        clientId: r.client_id,
        payload: {
          event,
          electionId: r.election_id,
          txHash: onChain && r.tx_hash ? bufferToHex(r.tx_hash) : null,
          blockNumber: onChain && r.block_number !== null ? Number(r.block_number) : null,
          votes: [],
        },
      };
      groups.set(key, group);
    }
    group.payload.votes.push({
      ref: encodeRef(bufferToHex(r.ref)),
      seq: onChain ? r.seq : null,
      status: event === "votes.included" ? "included" : event === "votes.confirmed" ? "confirmed" : "failed",
      reason: event === "votes.failed" ? r.failure_reason : null,
    });
  }
  for (const { clientId, payload } of groups.values()) {
    await client.query("insert into webhook_deliveries (client_id, event, payload) values ($1, $2, $3)", [
      clientId,
      event,
      JSON.stringify(payload),
    ]);
  }
  return groups.size;
}

/** The messages for every vote of these batches (included, confirmed), inside the caller's transaction. */
export async function enqueueBatchWebhooks(
  client: pg.PoolClient,
  event: WebhookEvent,
  batchIds: string[],
): Promise<number> {
  if (batchIds.length === 0) return 0;
  const votes = await client.query<{ id: string }>("select id from votes where batch_id = any($1::bigint[])", [
    batchIds,
  ]);
  return enqueueWebhooks(
    client,
    event,
    votes.rows.map((r) => r.id),
  );
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface WebhookSender {
  /** Posts the deliveries that are due; returns how many were attempted. */
  deliverDue(): Promise<number>;
}

export function createWebhookSender(deps: {
  db: Db;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  allowPrivate: boolean;
  batch?: number;
  random?: () => number;
  /** Name resolution for deliveries (tests pass their own to play DNS answers). */
  resolve?: Resolver;
}): WebhookSender {
  const random = deps.random ?? Math.random;
  return {
    async deliverDue() {
      // Lease the due rows (push next_attempt_at past the timeout) so a crash retries them later.
      const { rows } = await deps.db.query<{
        id: string;
        event: string;
        payload: unknown;
        attempts: number;
        webhook_url: string | null;
        webhook_secret: string | null;
      }>(
        `update webhook_deliveries d
            set next_attempt_at = now() + make_interval(secs => $2::double precision / 1000 * 2)
           from clients c
          where d.id in (select id from webhook_deliveries
                          where state = 'pending' and next_attempt_at <= now()
                          order by next_attempt_at limit $1 for update skip locked)
            and c.id = d.client_id
         returning d.id, d.event, d.payload, d.attempts, c.webhook_url, c.webhook_secret`,
        [deps.batch ?? 20, deps.timeoutMs],
      );
      await Promise.all(
        rows.map(async (row) => {
          let status: number | null = null;
          let error: string | null = null;
          if (!row.webhook_url || !row.webhook_secret) {
            error = "the client has no webhook any more";
          } else {
            try {
              const url = new URL(row.webhook_url);
              const body = JSON.stringify({ id: row.id, ...(row.payload as object) });
              const timestamp = Math.floor(Date.now() / 1000);
              status = await postWebhook(
                url,
                {
                  "content-type": "application/json",
                  "user-agent": "veritally-relayer",
                  "veritally-event": row.event,
                  "veritally-delivery": row.id,
                  "veritally-signature": signWebhook(row.webhook_secret, timestamp, body),
                },
                body,
                {
                  timeoutMs: deps.timeoutMs,
                  allowPrivate: deps.allowPrivate,
                  ...(deps.resolve ? { resolve: deps.resolve } : {}),
                },
              );
              if (status < 200 || status >= 300) error = `HTTP ${status}`;
            } catch (e) {
              error = (e as Error).message.slice(0, 300);
            }
          }
          if (error === null) {
            await deps.db.query(
              `update webhook_deliveries set state = 'delivered', attempts = attempts + 1, last_status = $2,
                      last_error = null, delivered_at = now() where id = $1`,
              [row.id, status],
            );
            return;
          }
          const attempts = row.attempts + 1;
          // Half of it random, capped at an hour.
          const delay = backoffDelay(
            { baseMs: deps.retryBaseMs, maxMs: 3_600_000, jitter: "half" },
            attempts - 1,
            random,
          );
          await deps.db.query(
            `update webhook_deliveries set attempts = $2::int, last_status = $3, last_error = $4,
                    state = case when $2::int >= $5::int then 'failed' else 'pending' end,
                    next_attempt_at = now() + make_interval(secs => $6::double precision / 1000)
              where id = $1`,
            [row.id, attempts, status, error, deps.maxAttempts, delay],
          );
        }),
      );
      return rows.length;
    },
  };
}
