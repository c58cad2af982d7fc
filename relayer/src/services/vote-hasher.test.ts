import { computeVoteHash } from "@veritally/contracts";
import { voteHashVectors } from "@veritally/contracts/vectors";
import { afterAll, describe, expect, it } from "vitest";
import { createVoteHasher } from "./vote-hasher.js";

const threaded = createVoteHasher(1);
afterAll(() => threaded.close());

describe("vote hasher", () => {
  it("gives the shared vectors' hashes, in a thread and inline", async () => {
    const inline = createVoteHasher(0);
    for (const v of voteHashVectors) {
      expect(await threaded.hash(v)).toBe(v.voteHash);
      expect(await inline.hash(v)).toBe(v.voteHash);
    }
  });

  it("answers each of many concurrent requests with its own hash", async () => {
    const inputs = Array.from({ length: 500 }, (_, i) => ({
      ...(voteHashVectors[0] as (typeof voteHashVectors)[number]),
      electionId: BigInt(i + 1),
      choice: i % 7,
    }));
    const hashes = await Promise.all(inputs.map((input) => threaded.hash(input)));
    expect(hashes).toEqual(inputs.map((input) => computeVoteHash(input)));
  });

  it("rejects bad input with the shared module's message", async () => {
    const bad = { ...(voteHashVectors[0] as (typeof voteHashVectors)[number]), ref: "0x12" };
    await expect(threaded.hash(bad)).rejects.toThrow(/ref: expected 0x and 32 hex digits/);
  });
});
