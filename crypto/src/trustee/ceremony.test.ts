import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulBase } from "../group.js";
import { aggregateBallots, createAggregator, verifyAggregate } from "./aggregate.js";
import { encryptVotes, verifiedCiphertexts } from "./ballot-input.js";
import { verifyTrusteePublic } from "./ceremony.js";
import { csprng, seededScalars } from "./context.js";
import { partialDecrypt, verifyDecryptionShare } from "./decryption.js";
import { verifyElectionKey } from "./election-key.js";
import { judgeComplaint, makeComplaint, receiveShares } from "./shares.js";
import { computeTally, verifyTally } from "./tally.js";
import { runHonestCeremony, testContext } from "./testing.js";

const ctx = testContext(5, 3);
const ceremony = runHonestCeremony(ctx, csprng);
const votes = [0, 2, 2, 1, 2, 3, 0];
const encoded = await encryptVotes(ctx, ceremony.record.jointKey, 4, votes);
const checked = await verifiedCiphertexts(ctx, ceremony.record.jointKey, 4, encoded);
if (!checked.ok) throw new Error("honest ballots refused");
const ballots = checked.ciphertexts;
const aggregate = aggregateBallots(ballots, 4);
const decryptionShares = ceremony.secretShares.map((s, i) =>
  partialDecrypt(ceremony.record, i + 1, s, aggregate, csprng),
);
const expectedCounts = [2, 1, 3, 1];

function subsets<T>(xs: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return xs.flatMap((x, i) => subsets(xs.slice(i + 1), size - 1).map((rest) => [x, ...rest]));
}

describe("key ceremony", () => {
  it("an honest ceremony verifies; the joint key is g^(Σ a_i0) and each public share is g^(s_ℓ)", () => {
    expect(verifyElectionKey(ceremony.record)).toEqual({ ok: true });
    for (const p of ceremony.publics) expect(verifyTrusteePublic(ctx, p)).toEqual({ ok: true });
    ceremony.secretShares.forEach((s, i) => {
      expect(mulBase(s).equals(ceremony.record.publicShares[i] ?? mulBase(0n))).toBe(true);
    });
  });

  it("a proof bound to another election or another trustee index is refused", () => {
    const p = ceremony.publics[1];
    if (p === undefined) throw new Error("no trustee 2");
    expect(verifyTrusteePublic({ ...ctx, chainId: 1n }, p).ok).toBe(false);
    expect(verifyTrusteePublic(ctx, { ...p, index: 3 })).toEqual({
      ok: false,
      reason: "trustee 3: proof of knowledge of coefficient 0 does not verify",
    });
  });

  it("a bad share yields a complaint that anyone upholds, naming the sender; a false complaint is refused", () => {
    const [s1, s2] = ceremony.secrets;
    const [p1, p2] = ceremony.publics;
    if (!s1 || !s2 || !p1 || !p2) throw new Error("missing trustees");
    const honest = ceremony.shares.find((s) => s.sender === 2 && s.recipient === 1);
    if (!honest) throw new Error("no share 2→1");
    const flipped = Uint8Array.from(honest.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const bad = { ...honest, ciphertext: flipped };
    const shares = ceremony.shares.map((s) => (s === honest ? bad : s));
    const received = receiveShares(ctx, s1, ceremony.publics, shares, csprng);
    expect(received.share).toBeUndefined();
    expect(received.reasons).toEqual(["trustee 2: the ciphertext does not decrypt (authentication failed)"]);
    const [complaint] = received.complaints;
    if (!complaint) throw new Error("no complaint");
    expect(judgeComplaint(ctx, complaint, bad, p2, p1)).toMatchObject({ upheld: true, sender: 2 });
    const falseComplaint = makeComplaint(ctx, s1, p1, honest, csprng);
    expect(judgeComplaint(ctx, falseComplaint, honest, p2, p1)).toEqual({
      upheld: false,
      reason: "the share of trustee 2 is valid",
    });
    const forged = { ...complaint, shared: mulBase(5n) };
    expect(judgeComplaint(ctx, forged, bad, p2, p1).upheld).toBe(false);
  });
});

describe("decryption and tally", () => {
  it("the aggregate is the product of the ballots and verifies; a changed list does not", () => {
    expect(verifyAggregate(ballots, aggregate)).toEqual({ ok: true });
    expect(verifyAggregate(ballots.slice(1), aggregate).ok).toBe(false);
  });

  it("running aggregates kept by two workers and merged equal the aggregate of all ballots", () => {
    const [a, b] = [createAggregator(4), createAggregator(4)];
    ballots.forEach((ct, i) => {
      (i % 2 === 0 ? a : b).add(ct);
    });
    a.merge(b.result(), b.ballots);
    expect(a.ballots).toBe(votes.length);
    expect(verifyAggregate(ballots, a.result())).toEqual({ ok: true });
    expect(() => a.add(ballots[0]?.slice(1) ?? [])).toThrow(/ballots\[7\]: 3 choices, expected 4/);
  });

  it("any 3 of 5 trustees give the tally and it verifies; 2 do not", () => {
    for (const subset of subsets(decryptionShares, 3)) {
      const tally = computeTally(ceremony.record, aggregate, votes.length, subset);
      expect(tally.counts).toEqual(expectedCounts);
      expect(verifyTally(ceremony.record, aggregate, votes.length, tally)).toEqual({ ok: true });
    }
    for (const pair of subsets(decryptionShares, 2)) {
      expect(() => computeTally(ceremony.record, aggregate, votes.length, pair)).toThrow(/threshold is 3/);
    }
  });

  it("a bad share is set aside and any 3 good ones still give the tally; 2 good and 1 bad do not", () => {
    const [d1, d2, d3, d4] = decryptionShares;
    if (!d1 || !d2 || !d3 || !d4) throw new Error("missing shares");
    const bad = { ...d1, choices: d1.choices.map((c) => ({ ...c, value: c.value.add(mulBase(1n)) })) };
    const notes: string[] = [];
    const tally = computeTally(ceremony.record, aggregate, votes.length, [bad, d2, d3, d4], {
      onProgress: (m) => notes.push(m),
    });
    expect(tally.counts).toEqual(expectedCounts);
    expect(tally.trustees).toEqual([2, 3, 4]);
    expect(notes).toContain("set aside: decryption share of trustee 1, choice 0: proof does not verify");
    expect(() => computeTally(ceremony.record, aggregate, votes.length, [bad, d2, d3])).toThrow(
      /2 trustee\(s\) decrypted verifiably, the threshold is 3: the tally cannot be computed \(decryption share of trustee 1/,
    );
  });

  it("a share with a wrong value names the trustee and the choice", () => {
    const share = decryptionShares[3];
    if (!share) throw new Error("no share 4");
    const choices = share.choices.map((c, j) => (j === 2 ? { ...c, value: c.value.add(mulBase(1n)) } : c));
    expect(verifyDecryptionShare(ceremony.record, aggregate, { ...share, choices })).toEqual({
      ok: false,
      reason: "decryption share of trustee 4, choice 2: proof does not verify",
    });
  });

  it("property: any single-field change of a share's value or proof, or of a count, is refused", () => {
    const tally = computeTally(ceremony.record, aggregate, votes.length, decryptionShares.slice(1, 4));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom("value", "c", "z", "count", "combined"),
        fc.bigInt({ min: 1n, max: 1n << 64n }),
        (which, choice, field, delta) => {
          const shares = tally.shares.map((s, n) =>
            n !== which
              ? s
              : {
                  ...s,
                  choices: s.choices.map((c, j) => {
                    if (j !== choice) return c;
                    if (field === "value") return { ...c, value: c.value.add(mulBase(delta)) };
                    if (field === "c") return { ...c, proof: { ...c.proof, c: c.proof.c + delta } };
                    if (field === "z") return { ...c, proof: { ...c.proof, z: c.proof.z + delta } };
                    return c;
                  }),
                },
          );
          const counts = tally.counts.map((t, j) => (field === "count" && j === choice ? t + 1 : t));
          const combined = tally.combined.map((m, j) =>
            field === "combined" && j === choice ? m.add(mulBase(delta)) : m,
          );
          const result = verifyTally(ceremony.record, aggregate, votes.length, { ...tally, shares, counts, combined });
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("property: honest ceremonies of random size verify and any k of n decrypt correctly", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              Array.from({ length: n }, (_, i) => i + 1),
              { minLength: 1 },
            ),
          ),
        ),
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }),
        async ([n, deciders], seed, vs) => {
          // The threshold is the size of the deciding subset, so every subset drawn has exactly k trustees.
          const k = deciders.length;
          const c = testContext(n, k);
          const rng = seededScalars(seed);
          const run = runHonestCeremony(c, rng);
          expect(verifyElectionKey(run.record)).toEqual({ ok: true });
          const bs = await verifiedCiphertexts(
            c,
            run.record.jointKey,
            3,
            await encryptVotes(c, run.record.jointKey, 3, vs),
          );
          if (!bs.ok) throw new Error("honest ballots refused");
          const agg = aggregateBallots(bs.ciphertexts, 3);
          const all = run.secretShares.map((s, i) => partialDecrypt(run.record, i + 1, s, agg, rng));
          const pick = all.filter((d) => deciders.includes(d.trustee));
          const tally = computeTally(run.record, agg, vs.length, pick);
          expect(tally.counts).toEqual([0, 1, 2].map((x) => vs.filter((v) => v === x).length));
          expect(verifyTally(run.record, agg, vs.length, tally)).toEqual({ ok: true });
        },
      ),
      { numRuns: 8 },
    );
  });
});
