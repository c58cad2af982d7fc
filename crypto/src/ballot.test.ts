import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nobleOps } from "./backend.js";
import {
  ballotCiphertexts,
  ballotSize,
  createBallotBuilder,
  createBallotVerifier,
  decodeBallot,
  type ElectionSpec,
  encodeBallot,
  encryptBallot,
  makeBallotBuilder,
  makeBallotVerifier,
} from "./ballot.js";
import { decryptToPoint, generateKeyPair, sum } from "./elgamal.js";
import { G, IDENTITY } from "./group.js";
import { seededScalars } from "./random.js";
import { loadSodiumOps } from "./sodium.js";

const keys = generateKeyPair();
const election = (choices: number): ElectionSpec => ({
  chainId: 31337n,
  registry: new Uint8Array(20).fill(7),
  electionId: new Uint8Array(32).fill(9),
  publicKey: keys.publicKey,
  choices,
});

describe("ballots", () => {
  it("a 4-choice ballot is 707 bytes (<= 720)", async () => {
    const b = (await createBallotBuilder(election(4))).build(2);
    expect(b.encoded.length).toBe(ballotSize(4));
    expect(b.encoded.length).toBe(707);
    expect(b.tracker.length).toBe(32);
  });

  it("honest ballots verify, decrypt to the choice and round-trip", async () => {
    const sodium = await loadSodiumOps();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        async ([n, choice]) => {
          const e = election(n);
          const b = (await createBallotBuilder(e)).build(choice);
          expect((await createBallotVerifier(e)).verify(b.encoded)).toEqual({ ok: true });
          expect(encodeBallot(sodium, decodeBallot(sodium, b.encoded))).toEqual(b.encoded);
          const cts = ballotCiphertexts(b.encoded, n);
          cts.forEach((ct, i) => {
            expect(decryptToPoint(keys.secret, ct).equals(i === choice ? G : IDENTITY)).toBe(true);
          });
          expect(decryptToPoint(keys.secret, sum(cts)).equals(G)).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("libsodium and @noble/curves produce the same bytes from the same randomness, and each verifies the other's", async () => {
    const sodium = await loadSodiumOps();
    for (const [n, choice] of [
      [1, 0],
      [2, 1],
      [4, 0],
      [4, 3],
    ] as const) {
      const seed = Uint8Array.of(n, choice);
      const fast = makeBallotBuilder(sodium, election(n)).build(choice, seededScalars(seed));
      const plain = makeBallotBuilder(nobleOps, election(n)).build(choice, seededScalars(seed));
      expect(fast.encoded).toEqual(plain.encoded);
      expect(fast.transcript.challengeInput).toEqual(plain.transcript.challengeInput);
      expect(makeBallotVerifier(nobleOps, election(n)).verify(fast.encoded)).toEqual({ ok: true });
      expect(makeBallotVerifier(sodium, election(n)).verify(plain.encoded)).toEqual({ ok: true });
    }
  });

  it("encryptBallot (synchronous, noble) gives point ciphertexts that verify", async () => {
    const e = election(3);
    const b = encryptBallot(e, 3, 1);
    const verifier = await createBallotVerifier(e);
    expect(verifier.verify(encodeBallot(nobleOps, b))).toEqual({ ok: true });
    expect(decryptToPoint(keys.secret, b.ciphertexts[1] ?? { alpha: G, beta: G }).equals(G)).toBe(true);
  });

  it("a ballot bound to another election or choice count does not verify", async () => {
    const b = (await createBallotBuilder(election(3))).build(1);
    for (const other of [
      { ...election(3), chainId: 1n },
      { ...election(3), electionId: new Uint8Array(32) },
      { ...election(3), registry: new Uint8Array(20) },
      { ...election(3), publicKey: generateKeyPair().publicKey },
    ]) {
      expect((await createBallotVerifier(other)).verify(b.encoded).ok).toBe(false);
    }
    expect((await createBallotVerifier(election(4))).verify(b.encoded)).toEqual({
      ok: false,
      reason: "ballot.n: 3 choices, the election has 4",
    });
  });

  it("refuses bad choices and bad contexts with a named error", async () => {
    const builder = await createBallotBuilder(election(2));
    expect(() => builder.build(2)).toThrow(/choice must be an integer in \[0, 2\)/);
    await expect(createBallotBuilder(election(0))).rejects.toThrow(/choices must be/);
    await expect(createBallotBuilder({ ...election(2), registry: new Uint8Array(3) })).rejects.toThrow(/registry/);
    await expect(createBallotBuilder({ ...election(2), chainId: -1n })).rejects.toThrow(/chainId/);
  });
});
