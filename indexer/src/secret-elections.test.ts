/**
 * Secret elections end to end: a Hardhat node with VoteRegistry, a real 3-of-5 key ceremony, sealed
 * ballots built by the crypto library, a forged ballot sent straight to the contract with the
 * recorder's key, the trustees' shares and the tally on chain, and the indexer rebuilding it all
 * from the chain alone (run in this process), read back with plain SQL.
 */
import { createHash } from "node:crypto";
import { encodeElectionMetadata } from "@veritally/contracts";
import { ballotCiphertexts, createBallotBuilder } from "@veritally/crypto/ballot";
import { encodePoint } from "@veritally/crypto/group";
import {
  aggregateBallots,
  computeTally,
  csprng,
  decryptionShareToJson,
  electionKeyToJson,
  partialDecrypt,
  type TallyInput,
  tallyToJson,
} from "@veritally/crypto/trustee";
import { type HonestCeremony, runHonestCeremony } from "@veritally/crypto/trustee/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { PROCESSOR_NODE_FLAGS, prepareIndexer } from "./launch.js";
import { BALLOT_COLUMNS, DECRYPTION_SHARE_COLUMNS, ELECTION_COLUMNS, selectList } from "./read-model.js";
import { verifyDerived } from "./recompute.js";
import { rollbackTo } from "./reorg.js";
import {
  type ChildHandle,
  chainTime,
  headHeight,
  type InProcessIndexer,
  indexerEnv,
  makeVotes,
  openElection,
  receiptOf,
  recordBatch,
  spawnIndexerProcess,
  startInProcessIndexer,
  startTestChain,
  type TestChain,
  waitFor,
} from "./testing.js";

const SECRET = 40;
const OPEN = 41;
const CHOICES = 3;
/** Seq 12 is the forged ballot, seq 14 seq 0's ballot again (a replay); the others are honest votes for these choices. */
const VOTES = [0, 2, 1, 2, 2, 0, 1, 2, 2, 0, 1, 1, 0, 2, 0];
const FORGED_SEQ = 12;
const REPLAYED_SEQ = 14;

let chain: TestChain;
let db: TestDatabase;
let client: pg.Client;
let indexer: InProcessIndexer | undefined;
let ceremony: HonestCeremony;
const sealed: Uint8Array[] = [];
let expectedAggregate: { alpha: string; beta: string }[] = [];
let expectedCounts: number[] = [];
let batchTxs: string[] = [];
let secondBatchBlock = 0;
const extra: { db?: TestDatabase; client?: pg.Client; child?: ChildHandle } = {};

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString("hex")}`;
const utf8 = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const bytes32 = (n: number) => Buffer.from(n.toString(16).padStart(64, "0"), "hex");

async function send(tx: Promise<{ hash: string }>): Promise<string> {
  const { hash } = await tx;
  await receiptOf(chain.provider, hash);
  return hash;
}

beforeAll(async () => {
  chain = await startTestChain();
  db = await createTestDatabase("indexer_secret");
  const registry = Buffer.from(chain.deployment.address.slice(2), "hex");
  const chainId = (await chain.provider.getNetwork()).chainId;
  ceremony = runHonestCeremony({ chainId, registry, electionId: bytes32(SECRET), trustees: 5, threshold: 3 }, csprng);
  const { record } = ceremony;

  const now = await chainTime(chain.provider);
  const recordUntil = now + 120;
  await send(
    chain.registry.createSecretElection(
      SECRET,
      CHOICES,
      now - 60,
      now + 60,
      recordUntil,
      encodeElectionMetadata({ title: "Secret budget", description: "sealed", choices: ["Park", "Library", "Pool"] }),
      hex(encodePoint(record.jointKey)),
      3,
      5,
      utf8(electionKeyToJson(record)),
    ),
  );
  // The open path beside it, unchanged.
  await openElection(chain, { electionId: OPEN, choices: ["Yes", "No"] });
  await recordBatch(
    chain,
    OPEN,
    makeVotes(0n, 6, (i) => (i < 4 ? 0 : 1)),
  );

  const builder = await createBallotBuilder({
    chainId,
    registry,
    electionId: bytes32(SECRET),
    publicKey: record.jointKey,
    choices: CHOICES,
  });
  for (const [seq, choice] of VOTES.entries()) {
    const encoded = seq === REPLAYED_SEQ ? Uint8Array.from(sealed[0] ?? []) : builder.build(choice).encoded;
    if (seq === FORGED_SEQ) {
      // One response byte changed: the recorder's key can put anything on chain, the proof tells.
      encoded[2 + 64 * CHOICES + 32 + 5] = (encoded[2 + 64 * CHOICES + 32 + 5] ?? 0) ^ 0x01;
    }
    sealed.push(encoded);
  }
  batchTxs = [
    await send(chain.registry.recordBallotBatch(SECRET, 0, sealed.slice(0, 7))),
    await send(chain.registry.recordBallotBatch(SECRET, 7, sealed.slice(7, 11))),
    await send(chain.registry.recordBallotBatch(SECRET, 11, sealed.slice(11))),
  ];
  secondBatchBlock = (await receiptOf(chain.provider, batchTxs[1] ?? "")).blockNumber;

  // Recording ends; three trustees decrypt the aggregate of the valid ballots, one share is relabelled.
  await chain.provider.send("evm_increaseTime", [recordUntil - (await chainTime(chain.provider)) + 1]);
  await chain.provider.send("evm_mine", []);
  const valid = sealed.filter((_, seq) => seq !== FORGED_SEQ);
  const aggregate = aggregateBallots(
    valid.map((b) => ballotCiphertexts(b)),
    CHOICES,
  );
  expectedAggregate = aggregate.map((ct) => ({ alpha: hex(encodePoint(ct.alpha)), beta: hex(encodePoint(ct.beta)) }));
  expectedCounts = [0, 1, 2].map((c) => VOTES.filter((v, seq) => v === c && seq !== FORGED_SEQ).length);
  const input: TallyInput = {
    context: record.context,
    jointKey: record.jointKey,
    ballotCount: valid.length,
    aggregate,
  };
  const shares = [1, 3, 4].map((t) => partialDecrypt(record, t, ceremony.secretShares[t - 1] ?? 0n, aggregate, csprng));
  for (const share of shares) {
    await send(chain.registry.publishDecryptionShare(SECRET, share.trustee, utf8(decryptionShareToJson(input, share))));
  }
  const [first] = shares;
  if (!first) throw new Error("no share");
  await send(chain.registry.publishDecryptionShare(SECRET, 5, utf8(decryptionShareToJson(input, first))));
  const tally = computeTally(record, aggregate, valid.length, shares);
  await send(chain.registry.publishTally(SECRET, [...tally.counts], utf8(tallyToJson(input, tally))));

  indexer = await startInProcessIndexer(indexerEnv(chain, db.url));
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await waitSynced();
}, 240_000);

afterAll(async () => {
  await extra.child?.stop();
  await extra.client?.end();
  await extra.db?.drop();
  await indexer?.stop();
  await client?.end();
  await db?.drop();
  await chain?.stop();
});

async function waitSynced(on: pg.Client = client): Promise<void> {
  const head = await headHeight(chain.provider);
  await waitFor(
    `the indexer at block ${head}`,
    async () => (await on.query("select height from indexer_status")).rows[0]?.height >= head,
    120_000,
  );
}

async function election(id: number, on: pg.Client = client) {
  const { rows } = await on.query(`select ${selectList(ELECTION_COLUMNS)} from election where id = $1`, [String(id)]);
  return rows[0];
}

describe("a secret election rebuilt from the chain alone", () => {
  test("the election carries its key, k of n and a ceremony record that verifies", async () => {
    const e = await election(SECRET);
    expect({
      secret: e.secret,
      key: e.election_key,
      threshold: e.threshold,
      trustees: e.trustee_count,
      recordError: e.ceremony_record_error,
      record: JSON.parse(Buffer.from(e.ceremony_record).toString("utf8")),
    }).toEqual({
      secret: true,
      key: hex(encodePoint(ceremony.record.jointKey)),
      threshold: 3,
      trustees: 5,
      recordError: null,
      record: electionKeyToJson(ceremony.record),
    });
  });

  test("every ballot is stored with its tracker and verdict, on the gap-free sequence, in its batch", async () => {
    const { rows } = await client.query(
      `select ${selectList(BALLOT_COLUMNS, "b")}, t.tx_hash as batch_tx from ballot b join batch t on t.id = b.batch_id
       where b.election_id = $1 order by b.seq`,
      [String(SECRET)],
    );
    expect(rows.map((r) => r.seq)).toEqual(VOTES.map((_, seq) => String(seq)));
    expect(rows.map((r) => r.tracker)).toEqual(sealed.map((b) => `0x${createHash("sha256").update(b).digest("hex")}`));
    expect(rows.map((r) => hex(r.ballot))).toEqual(sealed.map(hex));
    expect(rows.map((r) => r.valid)).toEqual(VOTES.map((_, seq) => seq !== FORGED_SEQ));
    expect(rows[FORGED_SEQ]?.invalid_reason).toBe(
      "proof: challenge mismatch (a commitment, response or the context differs)",
    );
    expect(rows.filter((r) => r.invalid_reason !== null)).toHaveLength(1);
    expect(rows.map((r) => r.batch_tx)).toEqual(VOTES.map((_, seq) => batchTxs[seq < 7 ? 0 : seq < 11 ? 1 : 2]));
  });

  test("the forged ballot is an integrity issue and left out of the running aggregate; the replay is named", async () => {
    const { rows: issues } = await client.query(
      "select kind, value, seq::text as seq, first_seq::text as first from integrity_issue where election_id = $1 order by seq",
      [String(SECRET)],
    );
    expect(issues).toEqual([
      {
        kind: "invalid_ballot",
        value: "proof: challenge mismatch (a commitment, response or the context differs)",
        seq: String(FORGED_SEQ),
        first: String(FORGED_SEQ),
      },
      {
        kind: "duplicate_tracker",
        value: `0x${createHash("sha256")
          .update(sealed[0] ?? new Uint8Array())
          .digest("hex")}`,
        seq: String(REPLAYED_SEQ),
        first: "0",
      },
    ]);
    const e = await election(SECRET);
    expect({
      total: e.total_votes,
      valid: e.valid_ballots,
      invalid: e.invalid_ballots,
      next: e.next_expected_seq,
      missing: e.missing_seq_count,
      batches: e.batch_count,
      alphas: e.aggregate_alphas,
      betas: e.aggregate_betas,
    }).toEqual({
      total: VOTES.length,
      valid: VOTES.length - 1,
      invalid: 1,
      next: String(VOTES.length),
      missing: "0",
      batches: 3,
      alphas: expectedAggregate.map((ct) => ct.alpha),
      betas: expectedAggregate.map((ct) => ct.beta),
    });
  });

  test("the shares are checked against that aggregate, and the tally verifies from 3 of 5", async () => {
    const { rows: shares } = await client.query(
      `select ${selectList(DECRYPTION_SHARE_COLUMNS)} from decryption_share where election_id = $1 order by block_number, log_index`,
      [String(SECRET)],
    );
    expect(shares.map((s) => [s.trustee_index, s.valid, s.error])).toEqual([
      [1, true, null],
      [3, true, null],
      [4, true, null],
      [5, false, "share: $.trustee is 1, the event's trustee index is 5"],
    ]);
    const e = await election(SECRET);
    expect({
      received: e.decryption_shares_received,
      trustees: e.decryption_share_trustees,
      reached: e.decryption_threshold_reached,
      counts: e.tally_counts,
      valid: e.tally_valid,
      error: e.tally_error,
      consistent: e.tally_consistent,
    }).toEqual({
      received: 4,
      trustees: [1, 3, 4],
      reached: true,
      counts: expectedCounts.map(String),
      valid: true,
      error: null,
      consistent: true,
    });
  });

  test("the open election beside it is indexed as before", async () => {
    const e = await election(OPEN);
    expect({
      secret: e.secret,
      total: e.total_votes,
      tally: e.tally,
      consistent: e.tally_consistent,
      key: e.election_key,
      aggregate: e.aggregate_alphas,
    }).toEqual({ secret: false, total: 6, tally: [4, 2], consistent: true, key: null, aggregate: null });
    const { rows } = await client.query("select count(*)::int as n from ballot where election_id = $1", [String(OPEN)]);
    expect(rows[0]?.n).toBe(0);
  });

  test("every derived value equals its recomputation; rolled back and re-indexed, the record is the same", async () => {
    expect(await verifyDerived(client)).toEqual({ ok: true, differences: [] });
    const before = await election(SECRET);
    await indexer?.stop();
    indexer = undefined;

    // Back to the second batch: the third batch (the forged ballot among them), the shares and the tally go.
    const rpc = {
      call: <T>(method: string, params: unknown[] = []) => chain.provider.send(method, params) as Promise<T>,
    };
    await rollbackTo(client, rpc, secondBatchBlock);
    const rolled = await election(SECRET);
    const first11 = aggregateBallots(
      sealed.slice(0, 11).map((b) => ballotCiphertexts(b)),
      CHOICES,
    );
    expect({
      total: rolled.total_votes,
      valid: rolled.valid_ballots,
      invalid: rolled.invalid_ballots,
      alphas: rolled.aggregate_alphas,
      received: rolled.decryption_shares_received,
      tally: rolled.tally_counts,
      tallyValid: rolled.tally_valid,
    }).toEqual({
      total: 11,
      valid: 11,
      invalid: 0,
      alphas: first11.map((ct) => hex(encodePoint(ct.alpha))),
      received: 0,
      tally: null,
      tallyValid: null,
    });
    expect(await verifyDerived(client)).toEqual({ ok: true, differences: [] });

    indexer = await startInProcessIndexer(indexerEnv(chain, db.url));
    await waitSynced();
    expect(await election(SECRET)).toEqual(before);
    const { rows } = await client.query("select count(*)::int as n from ballot where election_id = $1", [
      String(SECRET),
    ]);
    expect(rows[0]?.n).toBe(VOTES.length);
  });

  test("the processor's bundle, as ./veritally start runs it, verifies with the same library and arrives at the same record", async () => {
    await prepareIndexer();
    extra.db = await createTestDatabase("indexer_secret_bundle");
    extra.child = spawnIndexerProcess("lib/start.js", indexerEnv(chain, extra.db.url), [], PROCESSOR_NODE_FLAGS);
    extra.client = new pg.Client({ connectionString: extra.db.url });
    await extra.client.connect();
    await waitSynced(extra.client);
    expect(await election(SECRET, extra.client)).toEqual(await election(SECRET));
    const ballots = `select ${selectList(BALLOT_COLUMNS)} from ballot order by election_id, seq`;
    expect((await extra.client.query(ballots)).rows).toEqual((await client.query(ballots)).rows);
  }, 180_000);
});
