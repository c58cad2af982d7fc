/**
 * Resume: the whole stack run, every service killed and restarted under load, an idle stretch,
 * then stopped as Ctrl-C stops it and started again on the same data folder, as `./veritally
 * start` run a second time. The saved chain must come back block for block, and the votes of
 * both runs must all be on chain once, counted by the indexer and clean in the cross-check. On
 * anvil (the default local chain, kept in its state file) and on Hardhat's node (replayed from
 * its journal).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../scripts/lib/supervisor.js";
import { expectAllRecorded, newElection, runLoad, startTestStack, type TestStack } from "./harness.js";

const SERVICES = ["relayer-api", "relayer-worker", "indexer-processor", "indexer-graphql", "portal"];
const ELECTION = 31;

const chains = [
  // Quarter-second blocks: a long journal, with its idle stretches, in little time.
  { kind: "hardhat" as const, blockMs: 250, idleBlocks: 40 },
  // anvil mines whole seconds; its state file does not care how the blocks look.
  { kind: "anvil" as const, blockMs: 1000, idleBlocks: 10 },
];

describe.each(chains)("stop and start again on $kind", ({ kind, blockMs, idleBlocks }) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(`resume-${kind}`, {
      blockMs,
      ...(kind === "anvil" ? { chain: { kind: "anvil", slotsInAnEpoch: 8, persist: true } } : {}),
    });
  }, 240_000);

  afterAll(async () => {
    await stack?.dispose();
  }, 60_000);

  it("resumes the same chain after every service was killed, and carries on counting", async () => {
    await newElection(stack, ELECTION);
    const loading = runLoad(stack, { electionId: ELECTION, votes: 300, concurrency: 6, tag: "before" });
    for (const name of SERVICES) {
      const service = stack.supervisor.get(name);
      if (!service) throw new Error(`no service ${name}`);
      const launches = service.launches();
      service.kill("SIGKILL");
      await waitUntil(`${name} to be restarted`, async () => service.launches() > launches, { timeoutMs: 30_000 });
    }
    const before = await loading;
    expect(before.unaccepted, "every request got an answer in the end").toBe(0);
    await expectAllRecorded(stack, ELECTION, before);

    // An idle stretch: empty blocks while the base fee falls.
    const idleFrom = await stack.provider.getBlockNumber();
    await waitUntil(
      `an idle stretch of ${idleBlocks} empty blocks`,
      async () => (await stack.provider.getBlockNumber()) > idleFrom + idleBlocks,
      {
        timeoutMs: 60_000,
      },
    );
    const head = await stack.provider.getBlock("latest");
    if (!head?.hash) throw new Error("no head block");

    stack = await stack.restart();
    expect(stack.resumed).toBe(true);
    expect((await stack.provider.getBlock(head.number))?.hash, "the saved chain, block for block").toBe(head.hash);

    const after = await runLoad(stack, { electionId: ELECTION, votes: 100, concurrency: 6, tag: "after" });
    expect(after.unaccepted).toBe(0);
    await expectAllRecorded(stack, ELECTION, {
      ...after,
      accepted: [...before.accepted, ...after.accepted],
      duplicateStatuses: [...before.duplicateStatuses, ...after.duplicateStatuses],
      retries: before.retries + after.retries,
      retriesMatched: before.retriesMatched + after.retriesMatched,
    });
  }, 600_000);
});
