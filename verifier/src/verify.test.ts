/**
 * The verifier on a real Hardhat node: secret elections with a real 3-of-5 ceremony, sealed ballots
 * recorded with recordBallotBatch, the trustees' shares and the tally on chain; a clean election,
 * forged ballots from the recorder's key, a bad share and a wrong tally, an open election, and an
 * RPC endpoint that hides, repeats or fails.
 */
import voteRegistryAbi from "@veritally/contracts/abi/VoteRegistry.json" with { type: "json" };
import { encodePoint } from "@veritally/crypto/group";
import { Interface } from "ethers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  buildBallots,
  createSecretElection,
  type Decryption,
  decrypt,
  endRecording,
  headBlock,
  hex,
  type LyingRpc,
  openElectionWithVotes,
  publishShare,
  publishTally,
  recordBallots,
  type SecretElection,
  shareOf,
  startLyingRpc,
  startTestChain,
  type TestChain,
} from "./testing.js";
import { type Report, SetupError, verifyElection } from "./verify.js";

const CLEAN = 1;
const FORGED = 2;
const BAD = 3;
const OPEN = 4;
const CLEAN_VOTES = [0, 2, 1, 2, 2, 0, 1, 2, 2, 0, 1, 1, 0, 2, 0, 1, 2, 2, 0, 1, 0, 0, 2, 1];
const FORGED_VOTES = [1, 0, 0, 1, 1, 0, 1, 1, 0, 0];
const FORGED_SEQ = 4;
const SHORT_SEQ = 7;
const BAD_VOTES = [0, 1, 2, 3, 3, 2, 1, 0];
const OPEN_VOTES = [0, 1, 1, 0, 1];
const MISMATCH = "proof: challenge mismatch (a commitment, response or the context differs)";

let chain: TestChain;
let clean: SecretElection;
let cleanBallots: Uint8Array[] = [];
let cleanDecryption: Decryption;
let blockBeforeShares = 0;
const proxies: LyingRpc[] = [];
const iface = new Interface(voteRegistryAbi);
const ballotTopic = iface.getEvent("BallotRecorded")?.topicHash ?? "";

const countsOf = (votes: readonly number[], choices: number) =>
  Array.from({ length: choices }, (_, j) => votes.filter((v) => v === j).length);

const verify = (electionId: number, extra: Partial<Parameters<typeof verifyElection>[0]> = {}): Promise<Report> =>
  verifyElection({
    rpcUrl: chain.node.rpcUrl,
    registry: chain.address,
    electionId: BigInt(electionId),
    threads: 2,
    ...extra,
  });

const statuses = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.name, c.status]));

beforeAll(async () => {
  chain = await startTestChain();
  clean = await createSecretElection(chain, { id: CLEAN, choices: 3 });
  const forged = await createSecretElection(chain, { id: FORGED, choices: 2 });
  const bad = await createSecretElection(chain, { id: BAD, choices: 4 });
  await openElectionWithVotes(chain, OPEN, 2, OPEN_VOTES);

  cleanBallots = await buildBallots(clean, CLEAN_VOTES);
  await recordBallots(chain, CLEAN, 0, cleanBallots, 10);

  // The recorder's key can put anything on chain: one response byte changed, one ballot cut short.
  const forgedBallots = await buildBallots(forged, FORGED_VOTES);
  const tampered = forgedBallots.map((b, seq) => {
    if (seq === SHORT_SEQ) return b.slice(0, b.length - 1);
    if (seq !== FORGED_SEQ) return b;
    const copy = Uint8Array.from(b);
    copy[2 + 64 * 2 + 32 + 5] = (copy[2 + 64 * 2 + 32 + 5] ?? 0) ^ 0x01;
    return copy;
  });
  await recordBallots(chain, FORGED, 0, tampered, 4);
  const badBallots = await buildBallots(bad, BAD_VOTES);
  await recordBallots(chain, BAD, 0, badBallots, 8);

  await endRecording(chain, Math.max(clean.recordUntil, forged.recordUntil, bad.recordUntil));
  blockBeforeShares = await headBlock(chain.provider);

  cleanDecryption = decrypt(clean, cleanBallots, [1, 3, 4]);
  for (const s of cleanDecryption.shares) await publishShare(chain, CLEAN, s.trustee, cleanDecryption.input, s);
  await publishTally(chain, CLEAN, cleanDecryption.tally.counts, cleanDecryption.input, cleanDecryption.tally);

  const forgedValid = tampered.filter((_, seq) => seq !== FORGED_SEQ && seq !== SHORT_SEQ);
  const f = decrypt(forged, forgedValid, [2, 4, 5]);
  for (const s of f.shares) await publishShare(chain, FORGED, s.trustee, f.input, s);
  await publishTally(chain, FORGED, f.tally.counts, f.input, f.tally);

  // Trustee 2 decrypts an aggregate without the last ballot: its share is of another aggregate.
  const b = decrypt(bad, badBallots, [1, 3, 5]);
  for (const s of b.shares) await publishShare(chain, BAD, s.trustee, b.input, s);
  await publishShare(chain, BAD, 2, b.input, shareOf(bad, badBallots.slice(0, -1), 2));
  // A tally with one vote moved from choice 3 to choice 0, published with those counts.
  const moved = [...b.tally.counts];
  moved[0] = (moved[0] ?? 0) + 1;
  moved[3] = (moved[3] ?? 0) - 1;
  await publishTally(chain, BAD, moved, b.input, { ...b.tally, counts: moved });
}, 240_000);

afterAll(async () => {
  for (const p of proxies) await p.stop();
  await chain?.stop();
});

describe("a secret election verified from the chain alone", () => {
  test("a clean election verifies: every check OK, the counts are the plaintexts the test kept", async () => {
    const lines: string[] = [];
    const r = await verify(CLEAN, { onProgress: (l) => lines.push(l), progressEvery: 10, batchSize: 5 });
    expect(statuses(r)).toEqual({
      election: "ok",
      ceremony: "ok",
      sequence: "ok",
      ballots: "ok",
      trackers: "ok",
      aggregate: "ok",
      shares: "ok",
      tally: "ok",
    });
    expect(r.result).toBe("ok");
    expect(r.counts).toMatchObject({
      recorded: CLEAN_VOTES.length,
      expected: CLEAN_VOTES.length,
      valid: CLEAN_VOTES.length,
      invalid: 0,
      missing: 0,
      duplicates: 0,
    });
    expect(r.tally?.counts).toEqual(countsOf(CLEAN_VOTES, 3).map(String));
    expect(r.tally?.trustees).toEqual([1, 3, 4]);
    expect(r.aggregate).toEqual(
      cleanDecryption.aggregate.map((ct) => ({ alpha: hex(encodePoint(ct.alpha)), beta: hex(encodePoint(ct.beta)) })),
    );
    expect(r.shares.map((s) => [s.trustee, s.valid])).toEqual([
      [1, true],
      [3, true],
      [4, true],
    ]);
    expect(r.election).toMatchObject({ kind: "secret", choiceCount: 3, threshold: 3, trustees: 5 });
    // Progress every 10 ballots, on the way.
    expect(lines.filter((l) => l.startsWith("verified "))).toHaveLength(2);
    expect(lines[0]).toMatch(/^verified 10 of 24 ballots/);
  });

  test("before the trustees publish, shares and tally are pending and the rest verifies", async () => {
    const r = await verify(CLEAN, { toBlock: blockBeforeShares });
    expect(statuses(r)).toMatchObject({ sequence: "ok", ballots: "ok", shares: "pending", tally: "pending" });
    expect(r.result).toBe("ok");
    expect(r.tally).toBeNull();
  });

  test("forged ballots recorded by the recorder's key are named by seq and reason, and left out of the tally", async () => {
    const r = await verify(FORGED);
    expect(r.result).toBe("fail");
    expect(statuses(r)).toMatchObject({ sequence: "ok", ballots: "fail", shares: "ok", tally: "ok" });
    expect(r.invalidBallots.map((b) => [b.seq, b.reason])).toEqual([
      [FORGED_SEQ, MISMATCH],
      [SHORT_SEQ, "ballot: length 386, expected 387 for 2 choices"],
    ]);
    expect(r.counts).toMatchObject({ valid: FORGED_VOTES.length - 2, invalid: 2 });
    const kept = FORGED_VOTES.filter((_, seq) => seq !== FORGED_SEQ && seq !== SHORT_SEQ);
    expect(r.tally?.counts).toEqual(countsOf(kept, 2).map(String));
    expect(r.checks.find((c) => c.name === "ballots")?.summary).toContain(`seq ${FORGED_SEQ} (${MISMATCH})`);
  });

  test("a share of another aggregate and a tally with a moved vote are reported", async () => {
    const r = await verify(BAD);
    expect(r.result).toBe("fail");
    expect(statuses(r)).toMatchObject({ ballots: "ok", shares: "fail", tally: "fail" });
    expect(r.shares.map((s) => [s.trustee, s.valid, s.reason])).toEqual([
      [1, true, null],
      [3, true, null],
      [5, true, null],
      [2, false, "decryption share of trustee 2, choice 0: proof does not verify"],
    ]);
    expect(r.tally).toMatchObject({ valid: false, reason: "tally proof: counts[0]: B / M is not g^3" });
    expect(r.checks.find((c) => c.name === "shares")?.summary).toContain("trustee 2 at block");
  });

  test("an open election verifies its sequence and counts its votes", async () => {
    const r = await verify(OPEN);
    expect(r.result).toBe("ok");
    expect(statuses(r)).toEqual({ election: "ok", sequence: "ok", votes: "ok" });
    expect(r.counts.byChoice).toEqual(countsOf(OPEN_VOTES, 2));
  });
});

describe("what the RPC endpoint says is checked too", () => {
  const seqOf = (log: { data: string; topics: string[] }) =>
    log.topics[0] === ballotTopic ? Number(iface.decodeEventLog("BallotRecorded", log.data, log.topics).seq) : -1;

  test("a hidden ballot is a gap in the sequence (and the published tally no longer matches)", async () => {
    const proxy = await startLyingRpc(chain.node.rpcUrl, {
      transformLogs: (logs) => logs.filter((l) => seqOf(l) !== 5),
    });
    proxies.push(proxy);
    const r = await verify(CLEAN, { rpcUrl: proxy.url });
    expect(r.result).toBe("fail");
    expect(r.gaps).toEqual([{ from: 5, to: 5 }]);
    expect(statuses(r)).toMatchObject({ sequence: "fail", ballots: "ok", shares: "fail", tally: "fail" });
    expect(r.checks.find((c) => c.name === "sequence")?.summary).toBe("1 seq missing: 5");
    expect(r.tally?.reason).toBe(
      `tally proof: $.ballotCount is ${CLEAN_VOTES.length}, the chain holds ${CLEAN_VOTES.length - 1} valid ballots`,
    );
  });

  test("a repeated record is a duplicate seq, counted once", async () => {
    const proxy = await startLyingRpc(chain.node.rpcUrl, {
      transformLogs: (logs) => logs.flatMap((l) => (seqOf(l) === 3 ? [l, l] : [l])),
    });
    proxies.push(proxy);
    const r = await verify(CLEAN, { rpcUrl: proxy.url });
    expect(r.result).toBe("fail");
    expect(r.counts).toMatchObject({ recorded: CLEAN_VOTES.length + 1, distinct: CLEAN_VOTES.length, duplicates: 1 });
    expect(r.duplicates.map((d) => d.seq)).toEqual([3]);
    expect(statuses(r)).toMatchObject({ sequence: "fail", ballots: "ok", shares: "ok", tally: "ok" });
  });

  test("an endpoint that fails for a while is retried, and the run completes", async () => {
    const proxy = await startLyingRpc(chain.node.rpcUrl, { failFirst: 3 });
    proxies.push(proxy);
    const lines: string[] = [];
    const r = await verify(CLEAN, {
      rpcUrl: proxy.url,
      onProgress: (l) => lines.push(l),
      rpcOptions: { backoffBaseMs: 10 },
    });
    expect(r.result).toBe("ok");
    expect(lines.filter((l) => l.includes("HTTP 503; retrying"))).toHaveLength(3);
  });

  test("an endpoint that keeps failing is an RPC error naming the endpoint", async () => {
    const proxy = await startLyingRpc(chain.node.rpcUrl, { failFirst: 1_000 });
    proxies.push(proxy);
    await expect(verify(CLEAN, { rpcUrl: proxy.url, rpcOptions: { backoffBaseMs: 1, attempts: 3 } })).rejects.toThrow(
      `eth_chainId: ${proxy.url}/ answered HTTP 503; gave up after 3 attempts`,
    );
  });

  test("starting after the election's creation, or at an unknown election or registry, is refused with the flag", async () => {
    await expect(verify(CLEAN, { fromBlock: clean.createdAtBlock + 1 })).rejects.toThrow(SetupError);
    await expect(verify(CLEAN, { fromBlock: clean.createdAtBlock + 1 })).rejects.toThrow(/^--from-block: /);
    await expect(verify(99)).rejects.toThrow(`--election: no election 99 in registry ${chain.address.toLowerCase()}`);
    await expect(verify(CLEAN, { registry: "0x00000000000000000000000000000000000000aa" })).rejects.toThrow(
      /^--registry: no contract at 0x00000000000000000000000000000000000000aa/,
    );
  });
});
