/** Property tests: codes, keys, signatures and the roll's tree under random inputs and random changes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ElectionSpec, makeBallotBuilder } from "../ballot.js";
import { mulBase } from "../group.js";
import { seededScalars } from "../random.js";
import { loadSodiumOps } from "../sodium.js";
import {
  CODE_ALPHABET,
  formatCode,
  inclusionProof,
  loadCredentials,
  merkleRoot,
  parseCode,
  RollTree,
  verifyInclusion,
} from "./index.js";

const creds = await loadCredentials();
const sodium = await loadSodiumOps();
const symbols = fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 19, maxLength: 19 });
const context = fc.record({
  chainId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  registry: fc.uint8Array({ minLength: 20, maxLength: 20 }),
  electionId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("codes", () => {
  it("round-trip, and any one-symbol change or adjacent swap (but 0Z/Z0) is refused", () => {
    fc.assert(
      fc.property(symbols, fc.nat({ max: 19 }), fc.integer({ min: 1, max: 31 }), (values, at, delta) => {
        const code = formatCode(values);
        expect(parseCode(code)).toBe(values.map((v) => CODE_ALPHABET[v]).join(""));
        const compact = [...code.replace(/-/g, "")];
        const changed = [...compact];
        changed[at] = CODE_ALPHABET[(CODE_ALPHABET.indexOf(compact[at] as string) + delta) % 32] as string;
        expect(() => parseCode(changed.join(""))).toThrow(/check symbol/);
        if (at < 19 && compact[at] !== compact[at + 1]) {
          const pair = `${compact[at]}${compact[at + 1]}`;
          const swapped = [...compact];
          [swapped[at], swapped[at + 1]] = [compact[at + 1] as string, compact[at] as string];
          if (pair !== "0Z" && pair !== "Z0") expect(() => parseCode(swapped.join(""))).toThrow(/check symbol/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("signatures", () => {
  it("verify in their election only, and any single bit flipped anywhere in the ballot is refused", () => {
    fc.assert(
      fc.property(symbols, context, fc.nat({ max: 802 }), fc.nat({ max: 7 }), (values, c, at, bit) => {
        const election: ElectionSpec = { ...c, publicKey: mulBase(99n), choices: 4 };
        const plain = makeBallotBuilder(sodium, election).build(0, seededScalars(Uint8Array.of(at & 255))).encoded;
        const keys = creds.keyPair(c, formatCode(values));
        const signed = creds.signBallot(c, keys, plain);
        expect(creds.verifyBallot(c, signed, 4)).toEqual({ ok: true });
        const bad = signed.slice();
        bad[at] = (bad[at] ?? 0) ^ (1 << bit);
        expect(creds.verifyBallot(c, bad, 4).ok).toBe(false);
        expect(creds.verifyBallot({ ...c, chainId: c.chainId ^ 1n }, signed, 4).ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});

describe("the roll's tree", () => {
  it("incremental and recursive roots agree; a proof verifies at its index only", () => {
    fc.assert(
      fc.property(fc.array(bytes32, { minLength: 1, maxLength: 70 }), fc.nat(), (roll, pick) => {
        const tree = new RollTree();
        for (const c of roll) tree.append(c);
        const root = merkleRoot(roll);
        expect(tree.root()).toEqual(root);
        const i = pick % roll.length;
        const proof = inclusionProof(roll, i);
        expect(verifyInclusion(root, roll.length, i, roll[i] as Uint8Array, proof)).toBe(true);
        const other = new Uint8Array(roll[i] as Uint8Array);
        other[0] = (other[0] ?? 0) ^ 1;
        expect(verifyInclusion(root, roll.length, i, other, proof)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
