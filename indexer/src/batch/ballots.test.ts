import { createHash } from "node:crypto";
import { ballotCiphertexts } from "@veritally/crypto/ballot";
import { loadSodiumOps } from "@veritally/crypto/sodium";
import { aggregateBallots } from "@veritally/crypto/trustee";
import { describe, expect, test } from "vitest";
import {
  ballotRow,
  ballotSpecOf,
  countBallot,
  createBallotChecks,
  electionIdBytes,
  hexOf,
  invalidBallotIssue,
  openAggregate,
  storeAggregate,
  storedAggregate,
  trackerOf,
} from "./ballots.js";
import { refreshTallyConsistency } from "./elections.js";
import { builderFor, CHAIN, CHOICES, createdElection, secretCreatedArgs } from "./secret-fixture.js";
import { applySecretCreated, createKeyRecords } from "./trustees.js";

function secretElection() {
  const election = createdElection();
  applySecretCreated(election, secretCreatedArgs(), createKeyRecords(CHAIN));
  return election;
}

const where = { block: { height: 12, hash: "0xb" }, at: new Date(1_800_000_000_000), txHash: "0xt", logIndex: 3 };

describe("sealed ballots, without a database", () => {
  test("the election id is 32 bytes big-endian and the tracker the SHA-256 of the bytes", () => {
    expect(hexOf(electionIdBytes("258"))).toBe(`0x${"0".repeat(60)}0102`);
    const bytes = new Uint8Array([1, 2, 3]);
    expect(trackerOf(bytes)).toBe(`0x${createHash("sha256").update(bytes).digest("hex")}`);
  });

  test("an open election has no ballot context; a secret one has the chain's, the registry's and its key", () => {
    const open = createdElection();
    expect(ballotSpecOf(open, CHAIN)).toEqual({
      ok: false,
      reason: "election 7: not a secret election (no SecretElectionCreated seen)",
    });
    const spec = ballotSpecOf(secretElection(), CHAIN);
    if (!spec.ok) throw new Error(spec.reason);
    expect(spec.spec.chainId).toBe(31337n);
    expect(hexOf(spec.spec.registry)).toBe(CHAIN.contractAddress.toLowerCase());
    expect(spec.spec.choices).toBe(CHOICES);
  });

  test("valid ballots verify and add up to the aggregate of their ciphertexts; a forged one is refused and named", async () => {
    const election = secretElection();
    expect(storedAggregate(election).every((ct) => ct.alpha.is0() && ct.beta.is0())).toBe(true);
    const builder = await builderFor(election);
    const checks = createBallotChecks(CHAIN);
    const built = [0, 2, 1, 2, 2].map((choice) => builder.build(choice).encoded);

    // Two batches: the aggregate goes back to the row in between, as the handler does.
    for (const part of [built.slice(0, 2), built.slice(2)]) {
      const aggregator = openAggregate(election, await loadSodiumOps());
      for (const ballot of part) {
        const result = await checks.verify(election, ballot);
        expect(result).toEqual({ ok: true });
        aggregator.add(ballot);
        countBallot(election, true, false);
      }
      storeAggregate(election, aggregator);
    }
    const expected = aggregateBallots(
      built.map((b) => ballotCiphertexts(b)),
      CHOICES,
    );
    const stored = storedAggregate(election);
    expect(stored.map((ct, j) => ct.alpha.equals(expected[j]?.alpha ?? ct.alpha.negate()))).toEqual([true, true, true]);
    expect(stored.map((ct, j) => ct.beta.equals(expected[j]?.beta ?? ct.beta.negate()))).toEqual([true, true, true]);
    expect({ total: election.totalVotes, valid: election.validBallots, invalid: election.invalidBallots }).toEqual({
      total: 5,
      valid: 5,
      invalid: 0,
    });

    // A response changed: the proof no longer hashes to its challenge.
    const forged = Uint8Array.from(built[0] ?? []);
    forged[2 + 64 * CHOICES + 40] = (forged[2 + 64 * CHOICES + 40] ?? 0) ^ 1;
    const refused = await checks.verify(election, forged);
    expect(refused.ok).toBe(false);
    const reason = refused.ok ? "" : refused.reason;
    expect(reason).toMatch(/proof: challenge mismatch|non-canonical scalar/);
    countBallot(election, false, true);
    const row = ballotRow(
      election,
      { electionId: 7n, seq: 5n, ballot: hexOf(forged) },
      forged,
      trackerOf(forged),
      refused,
      {
        ...where,
        inGrace: true,
      },
    );
    expect({
      id: row.id,
      valid: row.valid,
      reason: row.invalidReason,
      tracker: row.tracker,
      grace: row.inGracePeriod,
    }).toEqual({ id: "7-5", valid: false, reason, tracker: trackerOf(forged), grace: true });
    expect(invalidBallotIssue(election, 5n, reason, 12)).toMatchObject({
      id: "7-invalid_ballot-5",
      kind: "invalid_ballot",
      value: reason,
      seq: 5n,
      firstSeq: 5n,
      blockNumber: 12,
    });
    expect({ total: election.totalVotes, valid: election.validBallots, invalid: election.invalidBallots }).toEqual({
      total: 6,
      valid: 5,
      invalid: 1,
    });
    expect(election.graceVotes).toBe(1);

    // A ballot for another election (other id, same key) fails against this one's context.
    const other = secretElection();
    other.id = "8";
    const elsewhere = (await builderFor(other)).build(1).encoded;
    expect(await checks.verify(election, elsewhere)).toEqual({
      ok: false,
      reason: "proof: challenge mismatch (a commitment, response or the context differs)",
    });
    // Before a tally, a secret election's (empty) clear tally is not an inconsistency.
    refreshTallyConsistency(election);
    expect(election.tallyConsistent).toBe(true);
  });

  test("the verifier is loaded once per election and then answers synchronously", async () => {
    const election = secretElection();
    const builder = await builderFor(election);
    let loads = 0;
    const checks = createBallotChecks(CHAIN, async (spec) => {
      loads += 1;
      const { createBallotVerifier } = await import("@veritally/crypto/ballot");
      return createBallotVerifier(spec);
    });
    const ballot = builder.build(1).encoded;
    const first = checks.verify(election, ballot);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ ok: true });
    expect(checks.verify(election, ballot)).toEqual({ ok: true });
    expect(loads).toBe(1);
  });

  test("the aggregate must hold as many ballots as the election counts valid", async () => {
    const election = secretElection();
    const aggregator = openAggregate(election, await loadSodiumOps());
    countBallot(election, true, false);
    expect(() => storeAggregate(election, aggregator)).toThrow(
      "election 7: the aggregate holds 0 ballots, the election counts 1 valid ones",
    );
  });
});
