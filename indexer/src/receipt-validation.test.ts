/**
 * Receipts are validated twice: by the RPC client on arrival (every field of the receipt and its
 * logs) and by the mapping (the fields the indexer reads). A malformed value stops the indexer,
 * whether it reads it or not, and nothing of that block is kept. The node is the real one, behind
 * an HTTP proxy that rewrites its receipts.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import {
  indexerEnv,
  makeVotes,
  openElection,
  recordBatch,
  startInProcessIndexer,
  startTestChain,
  type TestChain,
  waitFor,
} from "./testing.js";

type Receipt = { logs: { data: string; blockNumber: string }[] };
type Rewrite = (receipt: Receipt) => void;

/** An HTTP JSON-RPC proxy to `target` that passes every receipt through `rewrite`. */
async function startRewritingProxy(target: string, rewrite: () => Rewrite | undefined) {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.concat(chunks),
    });
    const body = (await upstream.json()) as unknown;
    const change = rewrite();
    for (const answer of Array.isArray(body) ? body : [body]) {
      const result = (answer as { result?: unknown }).result as Receipt | null | undefined;
      if (change && result && typeof result === "object" && "logs" in result && "transactionHash" in result) {
        change(result);
      }
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let chain: TestChain;
const databases: TestDatabase[] = [];
let rewrite: Rewrite | undefined;
let proxy: Awaited<ReturnType<typeof startRewritingProxy>>;

beforeAll(async () => {
  chain = await startTestChain();
  proxy = await startRewritingProxy(chain.node.rpcUrl, () => rewrite);
  await openElection(chain, { electionId: 1, choices: ["A", "B"] });
  await recordBatch(
    chain,
    1,
    makeVotes(0n, 5, (i) => i % 2),
    { wait: true },
  );
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await chain?.stop();
  await Promise.all(databases.map((d) => d.drop()));
});

async function votesIn(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query("select count(*) as n from vote").catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);
  } finally {
    await client.end();
  }
}

/** An indexer into a fresh database, through the proxy while it rewrites receipts with `change`. */
async function indexRewritten(
  label: string,
  change: Rewrite,
  check: (indexer: Awaited<ReturnType<typeof startInProcessIndexer>>, url: string) => Promise<void>,
): Promise<void> {
  rewrite = change;
  const db = await createTestDatabase(label);
  databases.push(db);
  const indexer = await startInProcessIndexer(indexerEnv(chain, db.url, { RPC_URL: proxy.url }));
  try {
    await check(indexer, db.url);
  } finally {
    await indexer.stop();
    rewrite = undefined;
  }
}

describe("receipts from the node, validated on arrival and by the mapping", () => {
  test("a malformed log the indexer reads stops it, and nothing of it is kept", async () => {
    const badData: Rewrite = (receipt) => {
      for (const log of receipt.logs) log.data = "0xnot-hex";
    };
    await indexRewritten("validate_bad", badData, async (indexer, url) => {
      await waitFor("the processor to refuse the receipt", async () =>
        indexer.lines.some((line) => /processor stopped/.test(line) && /data/.test(line)),
      );
      expect(await votesIn(url)).toBe(0);
    });
  }, 60_000);

  test("a malformed field the indexer never reads stops it too: the RPC client checks it on arrival", async () => {
    const badBlockNumber: Rewrite = (receipt) => {
      for (const log of receipt.logs) log.blockNumber = "not a quantity";
    };
    await indexRewritten("validate_unread", badBlockNumber, async (indexer, url) => {
      await waitFor("the processor to refuse the receipt", async () =>
        indexer.lines.some((line) => /processor stopped/.test(line) && /blockNumber/.test(line)),
      );
      expect(await votesIn(url)).toBe(0);
    });
  }, 60_000);
});
