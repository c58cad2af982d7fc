import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ballotSize, decodeBallot, encodeBallot, encryptBallot, tracker, verifyEncodedBallot } from "./ballot.js";
import { decryptToPoint, generateKeyPair, sum } from "./elgamal.js";
import { G } from "./group.js";
import type { ProofContext } from "./proofs.js";

const keys = generateKeyPair();
const ctx: ProofContext = {
  chainId: 31337n,
  registry: new Uint8Array(20).fill(7),
  electionId: new Uint8Array(32).fill(9),
  publicKey: keys.publicKey,
};

describe("ballots", () => {
  it("a 4-choice ballot is 707 bytes (<= 720)", () => {
    const enc = encodeBallot(encryptBallot(ctx, 4, 2));
    expect(enc.length).toBe(ballotSize(4));
    expect(enc.length).toBe(707);
    expect(tracker(enc).length).toBe(32);
  });
  it("honest ballots verify, decrypt to the choice and round-trip", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, choice]) => {
          const b = encryptBallot(ctx, n, choice);
          const enc = encodeBallot(b);
          expect(verifyEncodedBallot(ctx, enc)).toEqual({ ok: true });
          expect(encodeBallot(decodeBallot(enc))).toEqual(enc);
          b.ciphertexts.forEach((ct, i) => {
            expect(decryptToPoint(keys.secret, ct).equals(i === choice ? G : G.subtract(G))).toBe(true);
          });
          expect(decryptToPoint(keys.secret, sum(b.ciphertexts)).equals(G)).toBe(true);
        },
      ),
      { numRuns: 10 },
    );
  });
  it("a ballot bound to another election does not verify", () => {
    const enc = encodeBallot(encryptBallot(ctx, 3, 1));
    expect(verifyEncodedBallot({ ...ctx, chainId: 1n }, enc).ok).toBe(false);
    expect(verifyEncodedBallot({ ...ctx, electionId: new Uint8Array(32) }, enc).ok).toBe(false);
  });
  it("flipping any single byte is refused", () => {
    const enc = encodeBallot(encryptBallot(ctx, 2, 0));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: enc.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const bad = Uint8Array.from(enc);
        bad[pos] = (bad[pos] ?? 0) ^ x;
        expect(verifyEncodedBallot(ctx, bad).ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
  it("refuses trailing bytes, wrong version and the reserved credential flag, naming the field", () => {
    const enc = encodeBallot(encryptBallot(ctx, 2, 1));
    expect(() => decodeBallot(Uint8Array.of(...enc, 0))).toThrow(/length/);
    const v = Uint8Array.from(enc);
    v[0] = 2;
    expect(() => decodeBallot(v)).toThrow(/ballot\.version/);
    const f = Uint8Array.from(enc);
    f[f.length - 1] = 1;
    expect(() => decodeBallot(f)).toThrow(/ballot\.credential/);
    const s = Uint8Array.from(enc);
    s.fill(0xff, 2 + 128 + 0, 2 + 128 + 32);
    expect(() => decodeBallot(s)).toThrow(/proof\.c/);
  });
});
