/**
 * The batch handler on events the real contract cannot produce: seqs out of order (a gap, then
 * the missing vote arriving late), a seq recorded twice, votes for an election the indexer never
 * saw created and the contract does not know, a choice out of range, a vote with no batch, a
 * malformed log. The blocks are written out by hand (the logs ABI-encoded as the contract would);
 * the store is typeorm-store's, on a real Postgres database; the "chain" the handler asks about
 * its last block is those same blocks.
 */
import { Store } from "@subsquid/typeorm-store";
import { voteRegistryInterface } from "@veritally/contracts";
import { keccak256, toUtf8Bytes } from "ethers";
import pg from "pg";
import { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { applyMigrations, dataSourceOptions } from "./db.js";
import { DEFERRED_INDEXES } from "./deferred-indexes.js";
import { createBatchHandler } from "./handler.js";
import { verifyDerived } from "./recompute.js";
import { waitFor } from "./testing.js";

const CONTRACT = "0x00000000000000000000000000000000000000c0";
let db: TestDatabase;
let source: DataSource;
let client: pg.Client;

interface FakeBlock {
  header: { id: string; height: number; hash: string; parentHash: string; timestamp: number };
  logs: unknown[];
}
const chain: FakeBlock[] = [];

function hashOf(height: number, salt = ""): string {
  return keccak256(toUtf8Bytes(`block ${height}${salt}`));
}

type LogSpec = [name: string, args: unknown[]];

function block(height: number, specs: LogSpec[][], options: { salt?: string; address?: string } = {}): FakeBlock {
  const hash = hashOf(height, options.salt);
  const header = {
    id: hash,
    height,
    hash,
    parentHash: hashOf(height - 1),
    timestamp: 1_800_000_000_000 + height * 1000,
  };
  const logs: unknown[] = [];
  specs.forEach((tx, txIndex) => {
    const transactionHash = keccak256(toUtf8Bytes(`tx ${height} ${txIndex} ${options.salt ?? ""}`));
    for (const [name, args] of tx) {
      const event = voteRegistryInterface.getEvent(name);
      if (!event) throw new Error(name);
      const encoded = voteRegistryInterface.encodeEventLog(event, args);
      logs.push({
        id: `${height}-${logs.length}`,
        logIndex: logs.length,
        transactionIndex: txIndex,
        address: options.address ?? CONTRACT,
        topics: encoded.topics,
        data: encoded.data,
        transactionHash,
        block: header,
        transaction: { gasUsed: 50_000n, effectiveGasPrice: 2n },
      });
    }
  });
  return { header, logs };
}

const ref = (n: number) => `0x${n.toString(16).padStart(32, "0")}`;
const vhash = (n: number) => keccak256(toUtf8Bytes(`vote ${n}`));
const vote = (election: number, seq: number, choice = 0, r = seq): LogSpec => [
  "VoteRecorded",
  [election, seq, ref(1000 * election + r), choice, vhash(1000 * election + r)],
];
const batch = (election: number, firstSeq: number, count: number): LogSpec => [
  "BatchRecorded",
  [election, firstSeq, count],
];

/** The "chain" answers what the handler asks: the head, and its blocks by number. */
const fakeChain = {
  client: {
    async call(method: string, params: unknown[] = []) {
      if (method === "eth_blockNumber") return `0x${(chain.at(-1)?.header.height ?? 0).toString(16)}`;
      if (method === "eth_getBlockByNumber") {
        const height = Number(params[0]);
        const b = chain.find((x) => x.header.height === height);
        return b ? { hash: b.header.hash } : null;
      }
      // eth_call: this contract has no storage to read.
      throw new Error(`execution reverted (${method})`);
    },
  },
};

const warnings: string[] = [];
const log = { warn: (m: string) => warnings.push(m), info() {}, debug() {}, error() {}, child: () => log };

const newHandler = () =>
  createBatchHandler({ chainId: 31337, contractAddress: CONTRACT, startBlock: 1, finalityConfirmation: 5 });

/** Each call a new handler, as after a restart, unless one is given. */
async function handle(...blocks: FakeBlock[]): Promise<void> {
  await handleWith(newHandler(), ...blocks);
}

async function handleWith(handler: ReturnType<typeof createBatchHandler>, ...blocks: FakeBlock[]): Promise<void> {
  chain.push(...blocks);
  await source.transaction("READ COMMITTED", (em) =>
    handler({
      _chain: fakeChain as never,
      log: log as never,
      store: new Store(() => em),
      blocks: blocks as never,
      isHead: true,
    }),
  );
}

async function rows(sql: string) {
  return (await client.query(sql)).rows;
}

beforeAll(async () => {
  db = await createTestDatabase("handler");
  await applyMigrations(db.url);
  source = new DataSource(dataSourceOptions(db.url));
  await source.initialize();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await source?.destroy();
  await db?.drop();
});

describe("integrity from events alone", () => {
  test("a gap, then the missing votes arriving late, then a seq recorded twice", async () => {
    const metadata = JSON.stringify({ title: "T", description: "", choices: ["A", "B"] });
    await handle(
      block(1, [
        [
          [
            "ElectionCreated",
            [1, 2, 1_700_000_000, 1_900_000_000, 1_900_000_100, keccak256(toUtf8Bytes(metadata)), metadata],
          ],
        ],
      ]),
      block(2, [[vote(1, 0), vote(1, 1), batch(1, 0, 2)]]),
    );
    await handle(block(3, [[vote(1, 5, 1), batch(1, 5, 1)]]));
    let [e] = await rows("select next_expected_seq, missing_seq_count from election where id = '1'");
    expect(e).toEqual({ next_expected_seq: "6", missing_seq_count: "3" });
    expect(await rows("select from_seq, to_seq from seq_gap order by from_seq")).toEqual([
      { from_seq: "2", to_seq: "4" },
    ]);

    // seq 3 arrives late: the gap splits; then 2 and 4 close it.
    await handle(block(4, [[vote(1, 3), batch(1, 3, 1)]]));
    expect(await rows("select from_seq, to_seq from seq_gap order by from_seq")).toEqual([
      { from_seq: "2", to_seq: "2" },
      { from_seq: "4", to_seq: "4" },
    ]);
    await handle(block(5, [[vote(1, 2), vote(1, 4), batch(1, 2, 1), batch(1, 4, 1)]]));
    expect(await rows("select * from seq_gap")).toEqual([]);
    [e] = await rows("select next_expected_seq, missing_seq_count, total_votes, tally from election where id = '1'");
    expect(e).toEqual({ next_expected_seq: "6", missing_seq_count: "0", total_votes: 6, tally: [5, 1] });

    // seq 1 again (another ref): reported, and not counted twice.
    await handle(block(6, [[vote(1, 1, 1, 99), batch(1, 1, 1)]]));
    expect(await rows("select kind, seq, block_number from integrity_issue where kind = 'duplicate_seq'")).toEqual([
      { kind: "duplicate_seq", seq: "1", block_number: 6 },
    ]);
    [e] = await rows("select total_votes, tally, tally_consistent from election where id = '1'");
    expect(e).toEqual({ total_votes: 6, tally: [5, 1], tally_consistent: true });
    // The second of two batches in one transaction carries no gas (the transaction's gas is counted once).
    expect(await rows("select first_seq, gas_used from batch where block_number = 5 order by first_seq")).toEqual([
      { first_seq: "2", gas_used: "50000" },
      { first_seq: "4", gas_used: null },
    ]);
    expect(await verifyDerived(client)).toEqual({ ok: true, differences: [] });
  });

  test("votes for an election neither created in sight nor known to the contract; choices out of range", async () => {
    await handle(block(7, [[vote(9, 0, 0), vote(9, 1, 3), batch(9, 0, 2)]]));
    const [e] = await rows(
      "select choice_count, created_event_seen, metadata_error, total_votes, out_of_range_votes, tally, tally_consistent from election where id = '9'",
    );
    expect(e).toMatchObject({
      choice_count: 0,
      created_event_seen: false,
      total_votes: 2,
      out_of_range_votes: 2,
      tally: [],
      tally_consistent: false,
    });
    expect(e.metadata_error).toMatch(/ElectionCreated was not seen/);
    expect(warnings.some((w) => /not readable from the contract/.test(w))).toBe(true);
    expect(await verifyDerived(client)).toEqual({ ok: true, differences: [] });
  });

  test("a second ElectionCreated for an election is ignored; other contracts' logs are not read", async () => {
    const metadata = JSON.stringify({ title: "Other", description: "", choices: ["X", "Y", "Z"] });
    await handle(
      block(8, [[["ElectionCreated", [1, 3, 1, 2, 3, keccak256(toUtf8Bytes(metadata)), metadata]]]]),
      block(9, [[vote(1, 6)]], { address: "0x00000000000000000000000000000000000000c1" }),
    );
    const [e] = await rows("select title, choice_count, total_votes from election where id = '1'");
    expect(e).toEqual({ title: "T", choice_count: 2, total_votes: 6 });
    expect(warnings.some((w) => /ElectionCreated for existing election 1 ignored/.test(w))).toBe(true);
  });

  test("repeated refs and hashes, within a batch and against stored votes; a shared prefix alone is no repeat", async () => {
    // The handler compares exactly only values whose 52-bit prefix it has seen: these share prefixes
    // on purpose (refA/refB, refC/refD, and all the hashes), so both paths are taken.
    const refA = `0xabcdef1234567${"0".repeat(17)}01`;
    const refB = `0xabcdef1234567${"0".repeat(17)}02`;
    const refC = `0x1234567abcdef${"0".repeat(17)}03`;
    const refD = `0x1234567abcdef${"0".repeat(17)}04`;
    const hashOf = (n: number) => `0xabcdef1234567${n.toString(16).padStart(51, "0")}`;
    const v = (seq: number, r: string, h: string): LogSpec => ["VoteRecorded", [7, seq, r, 0, h]];
    const metadata = JSON.stringify({ title: "Repeats", description: "", choices: ["A", "B"] });
    const created: LogSpec = [
      "ElectionCreated",
      [7, 2, 1_700_000_000, 1_900_000_000, 1_900_000_100, keccak256(toUtf8Bytes(metadata)), metadata],
    ];
    // One handler for both calls (its prefixes carried over), then a new one (prefixes loaded from the database).
    const handler = newHandler();
    await handleWith(
      handler,
      block(10, [
        [created],
        [v(0, refA, hashOf(1)), v(1, refB, hashOf(2)), v(2, refA, hashOf(3)), v(3, refC, hashOf(1)), batch(7, 0, 4)],
      ]),
    );
    await handleWith(handler, block(11, [[v(4, refB, hashOf(4)), v(5, refD, hashOf(5)), batch(7, 4, 2)]]));
    await handle(
      block(12, [[v(6, refD, hashOf(2)), v(7, `0xabcdef1234567${"0".repeat(17)}05`, hashOf(6)), batch(7, 6, 2)]]),
    );
    expect(
      await rows("select kind, value, seq, first_seq from integrity_issue where election_id = '7' order by seq, kind"),
    ).toEqual([
      { kind: "duplicate_ref", value: refA, seq: "2", first_seq: "0" },
      { kind: "duplicate_hash", value: hashOf(1), seq: "3", first_seq: "0" },
      { kind: "duplicate_ref", value: refB, seq: "4", first_seq: "1" },
      { kind: "duplicate_hash", value: hashOf(2), seq: "6", first_seq: "1" },
      { kind: "duplicate_ref", value: refD, seq: "6", first_seq: "5" },
    ]);
    const [e] = await rows(
      "select total_votes, duplicate_ref_count, duplicate_hash_count from election where id = '7'",
    );
    expect(e).toEqual({ total_votes: 8, duplicate_ref_count: 3, duplicate_hash_count: 2 });
    expect(await verifyDerived(client)).toEqual({ ok: true, differences: [] });
  });

  test("large batches stream their votes to Postgres: a gap filled mid-stream, and a failure that keeps nothing", async () => {
    // 60 votes, then seq 70 (a gap), then 65 (filling part of it: the gaps are read mid-stream).
    const many = Array.from({ length: 60 }, (_, i) => vote(8, i, i % 2, 100 + i));
    const metadata = JSON.stringify({ title: "Many", description: "", choices: ["A", "B"] });
    const created: LogSpec = [
      "ElectionCreated",
      [8, 2, 1_700_000_000, 1_900_000_000, 1_900_000_100, keccak256(toUtf8Bytes(metadata)), metadata],
    ];
    await handle(
      block(20, [
        [created],
        [...many, batch(8, 0, 60)],
        [vote(8, 70, 1, 170), batch(8, 70, 1)],
        [vote(8, 65, 0, 165), batch(8, 65, 1)],
      ]),
    );
    expect(
      await rows(
        "select count(*)::int as n, count(distinct batch_id)::int as batches from vote where election_id = '8'",
      ),
    ).toEqual([{ n: 62, batches: 3 }]);
    expect(await rows("select from_seq, to_seq from seq_gap where election_id = '8' order by from_seq")).toEqual([
      { from_seq: "60", to_seq: "64" },
      { from_seq: "66", to_seq: "69" },
    ]);
    // A batch whose last transaction has no BatchRecorded fails after 60 votes were streamed: none is kept.
    const more = Array.from({ length: 60 }, (_, i) => vote(8, 71 + i, 0, 300 + i));
    await expect(handle(block(21, [[...more, batch(8, 71, 60)], [vote(8, 131, 0, 431)]]))).rejects.toThrow(
      /has no BatchRecorded after it/,
    );
    expect(await rows("select count(*)::int as n from vote where election_id = '8'")).toEqual([{ n: 62 }]);
    // The database is usable after the failed batch: the next one goes in.
    await handle(block(22, [[...more, batch(8, 71, 60)]]));
    expect(await rows("select total_votes from election where id = '8'")).toEqual([{ total_votes: 122 }]);
    expect(await verifyDerived(client)).toEqual({ ok: true, differences: [] });
  });

  test("at the head the vote table's lookup indexes are built beside the batch, which does not wait for them", async () => {
    const names = DEFERRED_INDEXES.map((index) => index.name);
    const present = async () =>
      (await rows("select indexname from pg_indexes where tablename = 'vote'"))
        .map((r) => r.indexname as string)
        .filter((name) => names.includes(name));
    for (const name of names) await client.query(`drop index if exists "${name}"`);
    // One connection in the pool, held by the batch's transaction: a build can only start after
    // the batch commits, so a handler that waited for it would wait for ever.
    const single = new DataSource(dataSourceOptions(db.url, { extra: { max: 1 } }));
    await single.initialize();
    try {
      const blocks = [block(23, [[vote(8, 131, 0, 431), batch(8, 131, 1)]])];
      chain.push(...blocks);
      const batchDone = single.transaction("READ COMMITTED", (em) =>
        newHandler()({
          _chain: fakeChain as never,
          log: log as never,
          store: new Store(() => em),
          blocks: blocks as never,
          isHead: true,
        }),
      );
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the batch waited for the build of the lookup indexes")), 10_000);
      });
      await Promise.race([batchDone, stuck]).finally(() => clearTimeout(timer));
      expect(await rows("select total_votes from election where id = '8'")).toEqual([{ total_votes: 123 }]);
      await waitFor("the lookup indexes", async () => (await present()).length === names.length);
    } finally {
      await single.destroy();
    }
  });

  test("a vote without its BatchRecorded, and an undecodable log, stop the handler with the reason", async () => {
    await expect(handle(block(13, [[vote(1, 6)]]))).rejects.toThrow(/has no BatchRecorded after it/);
    const broken = block(14, [[vote(1, 6), batch(1, 6, 1)]]);
    (broken.logs[0] as { data: string }).data = "0x1234";
    await expect(handle(broken)).rejects.toThrow(/cannot decode .* as a VoteRegistry event/);
  });

  test("a last block that is no longer on the chain stops the handler, and nothing of its batch is kept", async () => {
    // The last block this database indexed is replaced on the "chain" by one with another hash.
    const [last] = await rows("select height from indexed_block order by height desc limit 1");
    const index = chain.findIndex((b) => b.header.height === last.height);
    chain[index] = block(last.height, [], { salt: "replaced" });
    await expect(handle(block(15, []))).rejects.toThrow(
      new RegExp(`indexed block ${last.height} .* is no longer on the chain`),
    );
    expect(await rows("select height from indexer_status where height = 15")).toEqual([]);
  });
});
