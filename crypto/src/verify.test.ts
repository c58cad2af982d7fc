import { describe, expect, it } from "vitest";
import { createBallotBuilder, createBallotVerifier, type ElectionSpec } from "./ballot.js";
import { generateKeyPair } from "./elgamal.js";
import { createVerifierPool } from "./verifier-pool.js";
import { verifyBatch } from "./verify.js";

const election: ElectionSpec = {
  chainId: 1n,
  registry: new Uint8Array(20).fill(1),
  electionId: new Uint8Array(32).fill(2),
  publicKey: generateKeyPair().publicKey,
  choices: 3,
};

async function ballots(count: number): Promise<Uint8Array[]> {
  const builder = await createBallotBuilder(election);
  return Array.from({ length: count }, (_, i) => builder.build(i % 3).encoded);
}

function spoil(b: Uint8Array | undefined, at: number): Uint8Array {
  const bad = Uint8Array.from(b ?? []);
  bad[at] = (bad[at] ?? 0) ^ 1;
  return bad;
}

describe("verifyBatch", () => {
  it("accepts honest ballots and names the failing one", async () => {
    const bs = await ballots(3);
    const verifier = await createBallotVerifier(election);
    expect(verifyBatch(verifier, bs)).toEqual({ ok: true, failures: [] });
    const r = verifyBatch(verifier, [bs[0] ?? new Uint8Array(), spoil(bs[1], 250), bs[2] ?? new Uint8Array()]);
    expect(r.ok).toBe(false);
    expect(r.failures.map((f) => f.index)).toEqual([1]);
  });
});

describe("verifier pool", () => {
  it("verifies on worker threads and names failing ballots by their index in the batch", async () => {
    const pool = await createVerifierPool(election, { threads: 2 });
    try {
      const bs = await ballots(9);
      expect(await pool.verify(bs)).toEqual({ ok: true, failures: [] });
      const mixed = bs.map((b, i) => (i === 2 || i === 7 ? spoil(b, 300) : b));
      const r = await pool.verify(mixed);
      expect(r.failures.map((f) => f.index)).toEqual([2, 7]);
      expect(r.failures[0]?.reason).toMatch(/^proof/);
      expect(await pool.verify([])).toEqual({ ok: true, failures: [] });
    } finally {
      await pool.close();
    }
  });

  it("refuses a bad thread count, and fails requests in flight when closed instead of leaving them waiting", async () => {
    await expect(createVerifierPool(election, { threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    const pool = await createVerifierPool(election, { threads: 1 });
    const many = await ballots(60);
    const answer = pool.verify(many);
    await pool.close();
    await expect(answer).rejects.toThrow(/closed/);
    await expect(pool.verify(many)).rejects.toThrow(/closed/);
  });
});
