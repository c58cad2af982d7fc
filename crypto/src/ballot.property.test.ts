/** Property tests: honest ballots always verify; every single-field change of a ballot or its context is refused. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nobleOps } from "./backend.js";
import { type ElectionSpec, makeBallotBuilder, makeBallotVerifier } from "./ballot.js";
import { encodePoint, encodeScalar, L, mulBase } from "./group.js";
import { seededScalars } from "./random.js";
import { loadSodiumOps } from "./sodium.js";
import { offsets } from "./vectors.js";

const sodium = await loadSodiumOps();
const election: ElectionSpec = {
  chainId: 8453n,
  registry: Uint8Array.from({ length: 20 }, (_, i) => i * 7),
  electionId: Uint8Array.from({ length: 32 }, (_, i) => 255 - i),
  publicKey: mulBase(123456789n),
  choices: 4,
};
const verifier = makeBallotVerifier(sodium, election);
const honest = makeBallotBuilder(sodium, election).build(1, seededScalars(Uint8Array.of(1))).encoded;
const o = offsets(4);
const scalarFields = [o.c, o.zSum, ...[0, 1, 2, 3].flatMap((i) => [o.c0(i), o.z0(i), o.z1(i)])];
const pointFields = [0, 1, 2, 3].flatMap((i) => [o.alpha(i), o.beta(i)]);
const seed = fc.uint8Array({ minLength: 1, maxLength: 16 });

describe("honest ballots", () => {
  it("always verify, for any number of choices, choice and randomness", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 }), seed)),
        ([n, choice, s]) => {
          const e = { ...election, choices: n };
          const b = makeBallotBuilder(sodium, e).build(choice, seededScalars(s));
          expect(makeBallotVerifier(sodium, e).verify(b.encoded)).toEqual({ ok: true });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("single-field changes are refused", () => {
  it("flipping the low bit of each byte of the encoding, every byte", () => {
    for (let at = 0; at < honest.length; at++) {
      const bad = Uint8Array.from(honest);
      bad[at] = (bad[at] ?? 0) ^ 1;
      expect(verifier.verify(bad).ok, `byte ${at}`).toBe(false);
    }
  });

  it("any change of any byte", () => {
    fc.assert(
      fc.property(fc.nat({ max: honest.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = Uint8Array.from(honest);
        bad[at] = (bad[at] ?? 0) ^ x;
        expect(verifier.verify(bad).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("any scalar field replaced by any other canonical scalar", () => {
    fc.assert(
      fc.property(fc.constantFrom(...scalarFields), fc.bigInt({ min: 0n, max: L - 1n }), (at, s) => {
        const bad = Uint8Array.from(honest);
        bad.set(encodeScalar(s), at);
        fc.pre(bad.some((b, i) => b !== honest[i]));
        expect(verifier.verify(bad)).toEqual({
          ok: false,
          reason: expect.stringMatching(/^proof: challenge mismatch/),
        });
      }),
      { numRuns: 150 },
    );
  });

  it("any point field replaced by any other group element", () => {
    fc.assert(
      fc.property(fc.constantFrom(...pointFields), fc.bigInt({ min: 1n, max: L - 1n }), (at, k) => {
        const bad = Uint8Array.from(honest);
        bad.set(encodePoint(mulBase(k)), at);
        fc.pre(bad.some((b, i) => b !== honest[i]));
        expect(verifier.verify(bad).ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("any change of the context: chain id, registry, election id, key", () => {
    const refused = (e: ElectionSpec): boolean => !makeBallotVerifier(sodium, e).verify(honest).ok;
    const differs = (a: Uint8Array, b: Uint8Array): boolean => a.some((x, i) => x !== b[i]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((chainId) => ({ ...election, chainId })),
          fc.uint8Array({ minLength: 20, maxLength: 20 }).map((registry) => ({ ...election, registry })),
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((electionId) => ({ ...election, electionId })),
          fc.bigInt({ min: 1n, max: L - 1n }).map((k) => ({ ...election, publicKey: mulBase(k) })),
        ),
        (e) => {
          fc.pre(
            e.chainId !== election.chainId ||
              differs(e.registry, election.registry) ||
              differs(e.electionId, election.electionId) ||
              !e.publicKey.equals(election.publicKey),
          );
          expect(refused(e)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("the two decoders", () => {
  it("libsodium and @noble/curves accept and refuse the same 32-byte strings", () => {
    const valid = encodePoint(mulBase(99n));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc
            .tuple(fc.nat({ max: 31 }), fc.integer({ min: 1, max: 255 }))
            .map(([at, x]) => Uint8Array.from(valid, (b, i) => (i === at ? b ^ x : b))),
          fc.bigInt({ min: 0n, max: L - 1n }).map((k) => encodePoint(mulBase(k))),
        ),
        (bytes) => {
          expect(sodium.decode(bytes) === undefined).toBe(nobleOps.decode(bytes) === undefined);
        },
      ),
      { numRuns: 500 },
    );
  });
});
