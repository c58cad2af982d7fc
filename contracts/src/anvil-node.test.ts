import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnvilNode } from "./anvil-node.js";
import type { LocalNode } from "./local-node.js";

describe("anvil from the pinned npm package", () => {
  let node: LocalNode;
  beforeAll(async () => {
    node = await startAnvilNode({ chainId: 1337, slotsInAnEpoch: 1 });
  });
  afterAll(async () => {
    await node?.stop();
  });

  it("answers on loopback with the chain id asked for, automines, and serves a finalized block", async () => {
    expect(node.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(await node.provider.send("eth_chainId", []))).toBe(1337);
    for (let i = 0; i < 4; i++) await node.provider.send("evm_mine", []);
    const head = Number(await node.provider.send("eth_blockNumber", []));
    const finalized = await node.provider.send("eth_getBlockByNumber", ["finalized", false]);
    expect(Number(finalized.number)).toBe(head - 2);
  });

  it("stops: the port no longer answers", async () => {
    const other = await startAnvilNode();
    await other.stop();
    await expect(fetch(other.rpcUrl, { method: "POST", body: "{}" })).rejects.toThrow();
  });
});
