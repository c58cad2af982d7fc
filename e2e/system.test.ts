/**
 * The end-to-end proof: thousands of votes from several clients through the relayer's HTTP API,
 * with retries and duplicate attempts mixed in; then the chain (read directly), the indexer and
 * the portal must all say the same, and every receipt must verify. On Hardhat's node and on anvil.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAllRecorded, type LoadResult, newElection, runLoad, startTestStack, type TestStack } from "./harness.js";

const chains = [
  { kind: "hardhat" as const, votes: Number(process.env.E2E_VOTES ?? 3000) },
  { kind: "anvil" as const, votes: Number(process.env.E2E_VOTES ?? 1500) },
];

describe.each(chains)("the whole system on $kind", ({ kind, votes: VOTES }) => {
  let stack: TestStack;
  let load: LoadResult;

  beforeAll(async () => {
    stack = await startTestStack(
      `e2e-${kind}`,
      kind === "anvil" ? { chain: { kind: "anvil", slotsInAnEpoch: 8 } } : {},
    );
    await newElection(stack, 7);
  }, 240_000);
  afterAll(async () => {
    await stack?.dispose();
  }, 60_000);

  it("records every accepted vote once, unchanged, and counts it", async () => {
    load = await runLoad(stack, { electionId: 7, votes: VOTES, concurrency: 30 });
    expect(load.unaccepted).toBe(0);
    expect(load.accepted).toHaveLength(VOTES);
    expect(load.duplicateStatuses.length).toBeGreaterThanOrEqual(Math.floor(VOTES / 17));
    await expectAllRecorded(stack, 7, load);
  }, 600_000);

  it("serves the same numbers in the portal's open data (its cross-check was clean above)", async () => {
    if (!stack.urls.portal) throw new Error("the portal did not start");
    const sent = [0, 0, 0, 0];
    for (const v of load.accepted) sent[v.choice] = (sent[v.choice] ?? 0) + 1;
    const res = await fetch(`${stack.urls.portal}/api/elections/7.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { totalVotes: number; tally: { count: number }[] | number[] };
    expect(body.totalVotes).toBe(VOTES);
    const tally = (body.tally as (number | { count: number })[]).map((t) => (typeof t === "number" ? t : t.count));
    expect(tally).toEqual(sent);
  }, 120_000);
});
