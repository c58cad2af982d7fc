import { describe, expect, it } from "vitest";
import { independentVoteHash } from "../scripts/independent-encoder.js";
import { InvalidInputError } from "./errors.js";
import { voteHashVectors } from "./vectors.js";
import { computeVoteHash, voteHashMatches } from "./vote-hash.js";

describe("computeVoteHash", () => {
  it("reproduces every committed vector", () => {
    expect(voteHashVectors.length).toBeGreaterThanOrEqual(10);
    for (const v of voteHashVectors) {
      expect(computeVoteHash(v), v.name).toBe(v.voteHash);
    }
  });

  it("agrees with the independent encoder on fresh random inputs", () => {
    for (let i = 0; i < 200; i++) {
      const rnd = (n: number) => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString("hex")}`;
      const input = {
        chainId: BigInt(rnd(4)),
        registry: rnd(20),
        electionId: BigInt(rnd(32)),
        ref: rnd(16),
        choice: Number(BigInt(rnd(2))),
        receiptSecret: rnd(32),
      };
      expect(computeVoteHash(input)).toBe(independentVoteHash(input));
    }
  });

  it("changes when any one field changes", () => {
    const v = voteHashVectors[3];
    if (!v) throw new Error("vector missing");
    const base = computeVoteHash(v);
    const variants = [
      { ...v, chainId: v.chainId + 1 },
      { ...v, registry: "0x0000000000000000000000000000000000000001" },
      { ...v, electionId: String(BigInt(v.electionId) + 1n) },
      { ...v, ref: `0x${"01".repeat(16)}` },
      { ...v, choice: v.choice + 1 },
      { ...v, receiptSecret: `0x${"02".repeat(32)}` },
    ];
    for (const variant of variants) expect(computeVoteHash(variant)).not.toBe(base);
  });

  it("names the bad field", () => {
    const v = voteHashVectors[0];
    if (!v) throw new Error("vector missing");
    const cases: [Record<string, unknown>, string][] = [
      [{ ref: "0x1234" }, "ref"],
      [{ receiptSecret: "nothex" }, "receiptSecret"],
      [{ registry: "0x12" }, "registry"],
      [{ choice: 65536 }, "choice"],
      [{ choice: 1.5 }, "choice"],
      [{ electionId: -1 }, "electionId"],
    ];
    for (const [patch, field] of cases) {
      const error = (() => {
        try {
          computeVoteHash({ ...v, ...patch } as never);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
  });

  it("voteHashMatches compares case-insensitively and rejects a tampered choice", () => {
    const v = voteHashVectors[4];
    if (!v) throw new Error("vector missing");
    expect(voteHashMatches(v, v.voteHash.toUpperCase().replace("0X", "0x"))).toBe(true);
    expect(voteHashMatches({ ...v, choice: v.choice + 1 }, v.voteHash)).toBe(false);
  });
});
