/**
 * The indexer end to end: a Hardhat node with VoteRegistry, every kind of event, the indexer run
 * as the child process an operator runs, its database read with plain SQL, and its GraphQL server.
 */
import { readFileSync } from "node:fs";
import { freePort } from "@veritally/contracts/local-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { compareCli } from "./compare.js";
import { applyMigrations, createIndexerDatabase } from "./db.js";
import { buildDeferredIndexes, DEFERRED_INDEXES } from "./deferred-indexes.js";
import { runGraphqlCli, startGraphqlServer } from "./graphql.js";
import { createBatchHandler } from "./handler.js";
import { startObserver } from "./observe.js";
import { verifyDerived } from "./recompute.js";
import { reindexCli } from "./reindex.js";
import { runIndexerCli } from "./runner.js";
import {
  type ChildHandle,
  chainTime,
  headHeight,
  type InProcessIndexer,
  indexerEnv,
  makeVotes,
  openElection,
  type RecordedVote,
  receiptOf,
  recordBatch,
  spawnIndexerProcess,
  startInProcessIndexer,
  startTestChain,
  type TestChain,
  waitFor,
} from "./testing.js";
import { verifyCli } from "./verify.js";

let chain: TestChain;
const databases: TestDatabase[] = [];
const children: ChildHandle[] = [];
let a: pg.Client;
let b: pg.Client;
let dbA: TestDatabase;
let dbB: TestDatabase;
let indexerA: InProcessIndexer;
let metricsPort = 0;

const sent = new Map<number, RecordedVote[]>();
const receipts: { hash: string; gasUsed: bigint; price: bigint }[] = [];
let lateStartBlock = 0;

async function record(electionId: number, votes: RecordedVote[]): Promise<void> {
  const { hash } = await recordBatch(chain, electionId, votes);
  const receipt = await chain.provider.getTransactionReceipt(hash);
  if (!receipt) throw new Error("no receipt");
  receipts.push({ hash, gasUsed: receipt.gasUsed, price: receipt.gasPrice });
  sent.set(electionId, [...(sent.get(electionId) ?? []), ...votes]);
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function rows(client: pg.Client, sql: string, params: unknown[] = []) {
  return (await client.query(sql, params)).rows;
}

async function waitSynced(client: pg.Client, what: string): Promise<void> {
  const head = await headHeight(chain.provider);
  await waitFor(
    `${what} at block ${head}`,
    async () => {
      const status = await rows(client, "select height from indexer_status").catch(() => []);
      return status[0]?.height >= head;
    },
    60_000,
  );
}

/** Local addresses listening on `port`, from /proc/net/tcp (hex, little-endian IPv4). */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [local, , state] = [cols[1], cols[2], cols[3]];
      if (!local || state !== "0A") continue;
      const [addr, portHex] = local.split(":");
      if (!addr || !portHex || Number.parseInt(portHex, 16) !== port) continue;
      found.push(
        addr.length === 8
          ? (addr.match(/../g) ?? [])
              .reverse()
              .map((h) => Number.parseInt(h, 16))
              .join(".")
          : `ipv6:${addr}`,
      );
    }
  }
  return found;
}

beforeAll(async () => {
  chain = await startTestChain();
  [dbA, dbB] = await Promise.all([createTestDatabase("indexer_a"), createTestDatabase("indexer_b")]);
  databases.push(dbA, dbB);

  // Election 1: three batches and a single recordVote.
  await openElection(chain, { electionId: 1, title: "Budget 2027", choices: ["Yes", "No", "Abstain"] });
  await record(
    1,
    makeVotes(0n, 10, (i) => i % 3),
  );
  lateStartBlock = (await headHeight(chain.provider)) + 1;
  await record(
    1,
    makeVotes(10n, 25, (i) => (i < 20 ? 0 : 1)),
  );
  const single = makeVotes(35n, 1, () => 2)[0] as RecordedVote;
  const tx = await chain.registry.recordVote(1, single.seq, single.ref, single.choice, single.voteHash);
  const singleReceipt = await receiptOf(chain.provider, tx.hash);
  receipts.push({ hash: tx.hash, gasUsed: singleReceipt.gasUsed, price: singleReceipt.effectiveGasPrice });
  sent.set(1, [...(sent.get(1) ?? []), single]);

  // Election 2: metadata that is not JSON. Election 3: JSON with 3 labels for 2 choices.
  const now = await chainTime(chain.provider);
  await receiptOf(
    chain.provider,
    (await chain.registry.createElection(2, 2, now - 60, now + 3600, now + 7200, "{not json")).hash,
  );
  await record(
    2,
    makeVotes(0n, 4, (i) => i % 2),
  );
  const wrongLabels = JSON.stringify({ title: "Wrong", description: "", choices: ["a", "b", "c"] });
  await receiptOf(
    chain.provider,
    (await chain.registry.createElection(3, 2, now - 60, now + 3600, now + 7200, wrongLabels)).hash,
  );

  // Election 4: closed early; votes recorded after the close are in the grace period.
  await openElection(chain, { electionId: 4, choices: ["A", "B"] });
  await record(
    4,
    makeVotes(0n, 3, () => 0),
  );
  await receiptOf(chain.provider, (await chain.registry.closeElection(4)).hash);
  await record(
    4,
    makeVotes(3n, 2, () => 1),
  );

  // Election 5: a repeated ref and a repeated vote hash (the contract does not refuse them).
  await openElection(chain, { electionId: 5, choices: ["A", "B"] });
  const first = makeVotes(0n, 3, () => 0);
  (first[2] as RecordedVote).ref = (first[0] as RecordedVote).ref;
  await record(5, first);
  const second = makeVotes(3n, 2, () => 1);
  (second[1] as RecordedVote).voteHash = (first[1] as RecordedVote).voteHash;
  await record(5, second);

  // A runs in this process (so that coverage sees it); B as its own process, as an observer would.
  metricsPort = await freePort();
  indexerA = await startInProcessIndexer(indexerEnv(chain, dbA.url, { PROMETHEUS_PORT: String(metricsPort) }));
  children.push(spawnIndexerProcess("src/main.ts", indexerEnv(chain, dbB.url)));
  await waitFor("database A", async () => (a = await connect(dbA.url)));
  await waitFor("database B", async () => (b = await connect(dbB.url)));
  await waitSynced(a, "indexer A");
  await waitSynced(b, "indexer B");
}, 120_000);

afterAll(async () => {
  await indexerA?.stop();
  await Promise.all(children.map((c) => c.stop()));
  await a?.end().catch(() => {});
  await b?.end().catch(() => {});
  await Promise.all(databases.map((d) => d.drop()));
  await chain?.stop();
});

describe("every event kind", () => {
  test("ElectionCreated: window, metadata hash, title and labels parsed from the metadata", async () => {
    const [e] = await rows(a, "select * from election where id = '1'");
    const onChain = await chain.registry.getElection(1);
    expect(e.title).toBe("Budget 2027");
    expect(e.description).toBe("test election");
    expect(e.choice_labels).toEqual(["Yes", "No", "Abstain"]);
    expect(e.choice_count).toBe(3);
    expect(e.metadata_valid).toBe(true);
    expect(e.metadata_hash).toBe((await chain.registry.metadataHash(1)).toLowerCase());
    expect(e.opens_at.getTime()).toBe(Number(onChain.opensAt) * 1000);
    expect(e.closes_at.getTime()).toBe(Number(onChain.closesAt) * 1000);
    expect(e.record_until.getTime()).toBe(Number(onChain.recordUntil) * 1000);
    expect(e.created_event_seen).toBe(true);
    expect(e.closed).toBe(false);
  });

  test("malformed metadata is kept raw and flagged, and its votes still count", async () => {
    const [two] = await rows(a, "select * from election where id = '2'");
    expect(two.metadata_raw).toBe("{not json");
    expect(two.metadata_valid).toBe(false);
    expect(two.metadata_error).toBe("not valid JSON");
    expect(two.title).toBeNull();
    expect(two.choice_labels).toBeNull();
    expect(two.total_votes).toBe(4);
    expect(two.tally).toEqual([2, 2]);
    const [three] = await rows(a, "select * from election where id = '3'");
    expect(three.metadata_valid).toBe(false);
    expect(three.metadata_error).toBe("3 labels for 2 choices");
    expect(three.tally).toEqual([0, 0]);
  });

  test("VoteRecorded: every vote as sent, with its block, transaction and batch", async () => {
    for (const [electionId, votes] of sent) {
      const stored = await rows(
        a,
        "select seq, ref, choice, vote_hash, block_hash, tx_hash, batch_id from vote where election_id = $1 order by seq",
        [String(electionId)],
      );
      expect(stored.map((v) => [BigInt(v.seq), v.ref, v.choice, v.vote_hash])).toEqual(
        votes.map((v) => [v.seq, v.ref, v.choice, v.voteHash]),
      );
      for (const v of stored) expect(v.batch_id.startsWith(v.tx_hash)).toBe(true);
    }
    const [one] = await rows(a, "select block_number, block_hash, timestamp from vote where id = '1-0'");
    const block = await chain.provider.getBlock(one.block_number);
    expect(one.block_hash).toBe(block?.hash);
    expect(one.timestamp.getTime()).toBe((block?.timestamp ?? 0) * 1000);
  });

  test("BatchRecorded: size, gas used, effective gas price and fee from the receipt", async () => {
    const batches = await rows(a, "select * from batch order by block_number");
    expect(batches).toHaveLength(receipts.length);
    for (const r of receipts) {
      const batch = batches.find((x) => x.tx_hash === r.hash);
      expect(batch, r.hash).toBeDefined();
      expect(BigInt(batch.gas_used)).toBe(r.gasUsed);
      expect(BigInt(batch.effective_gas_price)).toBe(r.price);
      expect(BigInt(batch.fee_wei)).toBe(r.gasUsed * r.price);
    }
    const one = batches.filter((x) => x.election_id === "1").map((x) => [x.first_seq, x.count]);
    expect(one).toEqual([
      ["0", 10],
      ["10", 25],
      ["35", 1],
    ]);
  });

  test("ElectionClosed: closed, the effective closesAt, and later votes in the grace period", async () => {
    const [e] = await rows(a, "select * from election where id = '4'");
    const onChain = await chain.registry.getElection(4);
    expect(e.closed).toBe(true);
    expect(e.closes_at.getTime()).toBe(Number(onChain.closesAt) * 1000);
    expect(e.scheduled_closes_at.getTime()).toBeGreaterThan(e.closes_at.getTime());
    expect(e.closed_at_block).toBeGreaterThan(0);
    expect(e.grace_votes).toBe(2);
    const grace = await rows(a, "select seq from vote where election_id = '4' and in_grace_period order by seq");
    expect(grace.map((v) => v.seq)).toEqual(["3", "4"]);
    const batches = await rows(a, "select in_grace_period from batch where election_id = '4' order by block_number");
    expect(batches.map((x) => x.in_grace_period)).toEqual([false, true]);
  });
});

describe("aggregates and integrity", () => {
  test("totals, tally, times, batches, gas and fees per election", async () => {
    const [e] = await rows(a, "select * from election where id = '1'");
    const votes = sent.get(1) ?? [];
    expect(e.total_votes).toBe(votes.length);
    expect(e.tally).toEqual([0, 1, 2].map((c) => votes.filter((v) => v.choice === c).length));
    expect(e.tally_consistent).toBe(true);
    expect(e.batch_count).toBe(3);
    const mine = receipts.slice(0, 3);
    expect(BigInt(e.gas_used)).toBe(mine.reduce((s, r) => s + r.gasUsed, 0n));
    expect(BigInt(e.fees_wei)).toBe(mine.reduce((s, r) => s + r.gasUsed * r.price, 0n));
    const [times] = await rows(a, "select min(timestamp) f, max(timestamp) l from vote where election_id = '1'");
    expect(e.first_vote_at).toEqual(times.f);
    expect(e.last_vote_at).toEqual(times.l);
    expect(e.next_expected_seq).toBe("36");
    expect(e.missing_seq_count).toBe("0");
  });

  test("minute and hour buckets add up to the total", async () => {
    const sums = await rows(
      a,
      `select e.id, e.total_votes, b.granularity, sum(b.count)::int as n
         from election e join vote_bucket b on b.election_id = e.id group by e.id, e.total_votes, b.granularity`,
    );
    expect(sums.length).toBeGreaterThan(0);
    for (const s of sums) expect(s.n, `${s.id} ${s.granularity}`).toBe(s.total_votes);
    for (const bucket of await rows(a, "select start, granularity from vote_bucket")) {
      const size = bucket.granularity === "minute" ? 60_000 : 3_600_000;
      expect(bucket.start.getTime() % size).toBe(0);
    }
  });

  test("a repeated ref and a repeated vote hash are reported with both seqs", async () => {
    const issues = await rows(
      a,
      "select kind, value, seq, first_seq from integrity_issue where election_id = '5' order by kind",
    );
    const votes = sent.get(5) ?? [];
    expect(issues).toEqual([
      { kind: "duplicate_hash", value: votes[1]?.voteHash, seq: "4", first_seq: "1" },
      { kind: "duplicate_ref", value: votes[0]?.ref, seq: "2", first_seq: "0" },
    ]);
    const [e] = await rows(a, "select duplicate_ref_count, duplicate_hash_count from election where id = '5'");
    expect(e).toEqual({ duplicate_ref_count: 1, duplicate_hash_count: 1 });
  });

  test("at the chain head the vote table has the lookup indexes the migrations leave to the indexer", async () => {
    const names = DEFERRED_INDEXES.map((index) => index.name);
    const indexed = async (client: pg.Client) =>
      (await rows(client, "select indexname from pg_indexes where tablename = 'vote'")).map((r) => r.indexname);
    // Built beside the head batch, not awaited by it: there soon after.
    for (const client of [a, b]) {
      await waitFor("the lookup indexes", async () => {
        const present = await indexed(client);
        return names.every((name) => present.includes(name));
      });
    }
    // A database with the migrations only: its vote table has none of them yet.
    const fresh = await createTestDatabase("indexer_fresh");
    databases.push(fresh);
    await applyMigrations(fresh.url);
    const client = await connect(fresh.url);
    try {
      expect((await indexed(client)).filter((name) => names.includes(name))).toEqual([]);
      expect(await buildDeferredIndexes(async (sql, p) => (await client.query(sql, p)).rows)).toEqual(names);
      expect(await buildDeferredIndexes(async (sql, p) => (await client.query(sql, p)).rows)).toEqual([]);
      expect(await indexed(client)).toEqual(expect.arrayContaining(names));
    } finally {
      await client.end();
    }
  });

  test("the processor's own connections commit without waiting for the disk; others wait", async () => {
    const database = createIndexerDatabase(dbA.url);
    const fresh = await connect(dbA.url);
    try {
      await database.connect();
      const con = (database as unknown as { con: { query(sql: string): Promise<{ synchronous_commit: string }[]> } })
        .con;
      expect((await con.query("show synchronous_commit"))[0]?.synchronous_commit).toBe("off");
      expect((await rows(fresh, "show synchronous_commit"))[0]?.synchronous_commit).toBe("on");
    } finally {
      await database.disconnect();
      await fresh.end();
    }
  });

  test("the incremental values equal a full recomputation from the votes", async () => {
    expect(await verifyDerived(a)).toEqual({ ok: true, differences: [] });
  });

  test("live: a batch recorded now is indexed, through the hot-block path", async () => {
    const votes = makeVotes(36n, 7, () => 1);
    await record(1, votes);
    await waitFor("the new votes", async () => {
      const [e] = await rows(a, "select total_votes from election where id = '1'");
      return e.total_votes === 43;
    });
    const [e] = await rows(a, "select tally, batch_count, next_expected_seq from election where id = '1'");
    const all = sent.get(1) ?? [];
    const tally = [0, 1, 2].map((c) => all.filter((v) => v.choice === c).length);
    expect(e).toEqual({ tally, batch_count: 4, next_expected_seq: "43" });
    const [status] = await rows(a, "select * from indexer_status");
    expect(status.contract_address).toBe(chain.deployment.address.toLowerCase());
    expect(status.chain_id).toBe(31337);
    expect(status.error).toBeNull();
    await waitSynced(a, "indexer A");
    const [after] = await rows(a, "select height, head_hash, lag, chain_head from indexer_status");
    const head = await chain.provider.getBlock(after.height);
    expect(after.head_hash).toBe(head?.hash);
    expect(after.lag).toBe(after.chain_head - after.height);
    expect(await verifyDerived(a)).toEqual({ ok: true, differences: [] });
  });
});

describe("observers", () => {
  test("two indexers into two databases hold identical contents", async () => {
    await waitSynced(b, "indexer B");
    await waitFor("both at the same height", async () => {
      const [x] = await rows(a, "select height from indexer_status");
      const [y] = await rows(b, "select height from indexer_status");
      return x.height === y.height;
    });
    for (const table of ["election", "vote", "batch", "vote_bucket", "seq_gap", "integrity_issue", "indexed_block"]) {
      const x = await rows(a, `select * from ${table} order by id`);
      const y = await rows(b, `select * from ${table} order by id`);
      expect(x.length, table).toBeGreaterThan(table === "seq_gap" ? -1 : 0);
      expect(y, table).toEqual(x);
    }
    const status = "select height, head_hash, chain_id, contract_address, start_block from indexer_status";
    expect(await rows(b, status)).toEqual(await rows(a, status));
  });

  test("an observer who starts late sees the missing seqs as a gap, and the election from storage", async () => {
    const late = await createTestDatabase("indexer_late");
    databases.push(late);
    // Through the command's own entry (in this process): configuration from the environment.
    const stop = new AbortController();
    const exitCode = runIndexerCli(
      createBatchHandler,
      { ...process.env, ...indexerEnv(chain, late.url, { START_BLOCK: String(lateStartBlock), INDEX_GAS: "false" }) },
      stop.signal,
    );
    const c = await waitFor("late database", async () => connect(late.url));
    try {
      await waitSynced(c, "late indexer");
      const [e] = await rows(c, "select * from election where id = '1'");
      expect(e.created_event_seen).toBe(false);
      expect(e.metadata_valid).toBe(false);
      expect(e.metadata_error).toMatch(/ElectionCreated was not seen/);
      expect(e.choice_count).toBe(3);
      expect(e.metadata_hash).toBe((await chain.registry.metadataHash(1)).toLowerCase());
      expect(e.missing_seq_count).toBe("10");
      expect(await rows(c, "select from_seq, to_seq from seq_gap where election_id = '1'")).toEqual([
        { from_seq: "0", to_seq: "9" },
      ]);
      expect(e.total_votes).toBe(33);
      const [batch] = await rows(c, "select gas_used, fee_wei from batch limit 1");
      expect(batch).toEqual({ gas_used: null, fee_wei: null });
      expect(await verifyDerived(c)).toEqual({ ok: true, differences: [] });
    } finally {
      await c.end();
      stop.abort();
      expect(await exitCode).toBe(0);
    }
  });
});

describe("one database, one record", () => {
  test("a second indexer on a database in use is refused", async () => {
    const second = await startInProcessIndexer(indexerEnv(chain, dbA.url));
    expect(await second.done).toBe(1);
    expect(second.lines.join("\n")).toMatch(/another indexer \(or a reindex\) is using .*stop it first/);
  });

  test("a database that holds another contract's record is refused until emptied with reindex --reset", async () => {
    const other = await createTestDatabase("indexer_other");
    databases.push(other);
    const quiet = vi.spyOn(console, "log").mockImplementation(() => {});
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await reindexCli(["--bogus"], { DB_URL: other.url })).toBe(1);
      expect(await reindexCli(["--reset"], { DB_URL: other.url })).toBe(0);
      const c = await connect(other.url);
      try {
        await c.query(
          `insert into indexer_status (id, height, head_hash, chain_head, updated_at, lag, finalized_height, chain_id,
             contract_address, start_block) values ('status', 5, '0x', 5, now(), 0, 0, 31337, '0x00000000000000000000000000000000000000aa', 0)`,
        );
        const refused = await startInProcessIndexer(indexerEnv(chain, other.url));
        expect(await refused.done).toBe(1);
        expect(refused.lines.join("\n")).toContain(
          "holds the record of contract 0x00000000000000000000000000000000000000aa",
        );
        expect(refused.lines.join("\n")).toContain("reindex -w indexer -- --reset");

        expect(await reindexCli(["--reset"], { DB_URL: other.url })).toBe(0);
        expect((await rows(c, "select count(*)::int as n from indexer_status"))[0]).toEqual({ n: 0 });
        const accepted = await startInProcessIndexer(indexerEnv(chain, other.url));
        await waitSynced(c, "the emptied database's indexer");
        expect(await accepted.stop()).toBe(0);
      } finally {
        await c.end();
      }
    } finally {
      quiet.mockRestore();
      errors.mockRestore();
    }
  });
});

describe("servers", () => {
  test("the GraphQL server answers from the indexer's database, on 127.0.0.1 only", async () => {
    const port = await freePort();
    const stop = new AbortController();
    const exitCode = runGraphqlCli({ DB_URL: dbA.url, GQL_PORT: String(port) }, stop.signal);
    try {
      const query = async (q: string) => {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: q }),
        });
        return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
      };
      const result = await waitFor("GraphQL", async () =>
        query(
          `{ elections(orderBy: id_ASC, where: { id_eq: "1" }) { id title totalVotes tally choiceLabels }
             indexerStatuses(limit: 1) { height contractAddress } }`,
        ),
      );
      expect(result.errors).toBeUndefined();
      const [e] = await rows(a, "select total_votes, tally from election where id = '1'");
      expect(result.data?.elections).toEqual([
        {
          id: "1",
          title: "Budget 2027",
          totalVotes: e.total_votes,
          tally: e.tally,
          choiceLabels: ["Yes", "No", "Abstain"],
        },
      ]);
      // The query the observer's guide shows works as written.
      const guide = readFileSync(new URL("../../docs/observer-guide.md", import.meta.url), "utf8");
      const guideQuery = guide.match(/```graphql\n([\s\S]*?)```/)?.[1];
      expect(guideQuery).toBeDefined();
      const guideResult = await query(guideQuery as string);
      expect(guideResult.errors).toBeUndefined();
      expect(guideResult.data?.elections).toHaveLength(5);
      const [status] = await rows(a, "select height from indexer_status");
      expect(result.data?.indexerStatuses).toEqual([
        { height: status.height, contractAddress: chain.deployment.address.toLowerCase() },
      ]);
      expect(listeningAddresses(port)).toEqual(["127.0.0.1"]);
    } finally {
      stop.abort();
      expect(await exitCode).toBe(0);
    }
  });

  test("compare: an observer's indexer against ours, through GraphQL; a changed vote shows", async () => {
    const servers = [
      await startGraphqlServer({ databaseUrl: dbA.url, host: "127.0.0.1", port: 0, maxResponseNodes: 100_000 }),
      await startGraphqlServer({ databaseUrl: dbB.url, host: "127.0.0.1", port: 0, maxResponseNodes: 100_000 }),
    ];
    const [portA, portB] = servers.map((x) => x.port);
    try {
      const urls = [portA, portB].map((p) => `http://127.0.0.1:${p}/graphql`);
      for (const url of urls) {
        await waitFor(
          `GraphQL at ${url}`,
          async () =>
            (
              await fetch(url, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: '{"query":"{ indexerStatuses(limit: 1) { height } }"}',
              })
            ).ok,
        );
      }
      const run = async () => {
        const printed: string[] = [];
        const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void printed.push(line));
        try {
          const code = await compareCli(["--mine", urls[0] as string, "--theirs", urls[1] as string, "--votes"]);
          return { code, output: printed.join("\n") };
        } finally {
          spy.mockRestore();
        }
      };
      expect(await compareCli([])).toBe(2);
      const same = await run();
      expect(same.code, same.output).toBe(0);
      expect(same.output).toMatch(/^identical: 5 election\(s\) up to block \d+/m);

      // Someone changes a recorded choice in one database (not the chain): it shows.
      await b.query("update vote set choice = (choice + 1) % 3 where id = '1-0'");
      const changed = await run();
      expect(changed.code).toBe(1);
      expect(changed.output).toContain("election 1: tally");
      expect(changed.output).toContain("election 1: vote");
      // And B's own aggregates no longer match its votes: verify says so; A's still do.
      const errors = vi.spyOn(console, "error").mockImplementation(() => {});
      try {
        expect(await verifyCli({ DB_URL: dbB.url })).toBe(1);
        expect(await verifyCli({ DB_URL: dbA.url })).toBe(0);
      } finally {
        errors.mockRestore();
      }
    } finally {
      await Promise.all(servers.map((x) => x.close()));
    }
  });

  test("observe: one command runs the processor and the GraphQL server against the chain", async () => {
    const db = await createTestDatabase("indexer_observe");
    databases.push(db);
    const port = await freePort();
    const observer = await startObserver(
      { ...process.env, ...indexerEnv(chain, db.url), GQL_PORT: String(port), SQD_DEBUG: "" },
      "ignore",
    );
    try {
      const answer = await waitFor(
        "the observer's GraphQL to show election 1",
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: '{ elections(where: { id_eq: "1" }, limit: 1) { totalVotes } }' }),
          });
          const body = (await response.json()) as { data?: { elections: { totalVotes: number }[] } };
          const [e] = await rows(a, "select total_votes from election where id = '1'");
          return body.data?.elections[0]?.totalVotes === e.total_votes && body;
        },
        60_000,
      );
      expect(answer.data?.elections).toHaveLength(1);
      expect([...observer.children.keys()].sort()).toEqual(["indexer-graphql", "indexer-processor"]);
      // A processor that dies is started again.
      observer.children.get("indexer-processor")?.kill("SIGKILL");
      await waitFor("the processor to be restarted", async () =>
        observer.notes.some((n) => /starting it again/.test(n)),
      );
      await waitFor("a new processor", async () => observer.children.has("indexer-processor"));
    } finally {
      await observer.stop();
    }
    expect(observer.children.size).toBe(0);
  });

  test("the processor's metrics server listens on 127.0.0.1 only", async () => {
    expect(listeningAddresses(metricsPort)).toEqual(["127.0.0.1"]);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(await metrics.text()).toMatch(/sqd_processor_last_block/);
  });
});
