import { describe, expect, it } from "vitest";
import { encodeBallot, encryptBallot } from "./ballot.js";
import { generateKeyPair } from "./elgamal.js";
import type { ProofContext } from "./proofs.js";
import { verifyBatch } from "./verify.js";

const ctx: ProofContext = {
  chainId: 1n,
  registry: new Uint8Array(20).fill(1),
  electionId: new Uint8Array(32).fill(2),
  publicKey: generateKeyPair().publicKey,
};

describe("verifyBatch", () => {
  it("accepts honest ballots and names the failing one", () => {
    const bs = [0, 1, 2].map((c) => encodeBallot(encryptBallot(ctx, 3, c)));
    expect(verifyBatch(ctx, bs)).toEqual({ ok: true, failures: [] });
    const bad = Uint8Array.from(bs[1] ?? []);
    bad[100] = (bad[100] ?? 0) ^ 1;
    const r = verifyBatch(ctx, [bs[0] ?? bad, bad, bs[2] ?? bad]);
    expect(r.ok).toBe(false);
    expect(r.failures.map((f) => f.index)).toEqual([1]);
  });
});
