/**
 * The whole worker on anvil (mining by hand) when the node loses its pool: the gap shows in the
 * stats (a `nonce_gap` warning) and in /metrics as it happens, the worker sends everything again,
 * and both clear once the chain has the transactions.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { recordedVotes, startWorkerHarness, until, type WorkerHarness } from "../testing/setup.js";

let h: WorkerHarness;
const rpc = <T = unknown>(method: string, params: unknown[] = []): Promise<T> =>
  h.chain.node.provider.send(method, params);
const mine = () => rpc("anvil_mine", ["0x1"]);
const metric = async (name: string) => {
  const text = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
};

beforeAll(async () => {
  h = await startWorkerHarness("relayer_nonce_gap", {
    client: "nonce gap tests",
    chain: { anvil: { slotsInAnEpoch: 2 } },
    env: () => ({ MAX_BATCH: "2", MAX_WAIT_MS: "0", STUCK_AFTER_MS: "60000" }),
  });
  await h.chain.createElection(1, { choices: 3 });
});

afterEach((context) => h?.logIfFailed(context));

afterAll(async () => {
  await h?.stop();
});

describe("a node that lost its pool", () => {
  it("shows the gap in the stats and /metrics while it lasts, sends everything again, and clears", async () => {
    await rpc("evm_setAutomine", [false]);
    for (let i = 0; i < 6; i++) expect((await h.vote(1, `gap-${i}`, i % 3)).statusCode).toBe(202);
    // Three batches of two, sent and waiting in the node's pool (nothing mines).
    await until(
      async () =>
        Number(
          (await h.sql.query("select count(*) from batches where election_id = 1 and state = 'submitted'")).rows[0]
            .count,
        ) === 3,
      { step: () => h.w.tick(), what: "three batches sent" },
    );
    expect((await h.stats()).warnings.map((w) => w.code)).not.toContain("nonce_gap");

    await rpc("anvil_dropAllTransactions");
    await mine(); // the head that shows it
    await h.w.tick();
    const during = await h.stats();
    expect(during.nonces.gap).toMatchObject({ to: (during.nonces.next ?? 0) - 1 });
    expect(during.warnings.map((w) => w.code)).toContain("nonce_gap");
    expect(await metric("veritally_nonce_gap")).toBe(3);

    await until(async () => (await recordedVotes(h.chain, 1)).length === 6, {
      step: async () => {
        await mine();
        await h.w.tick();
      },
      what: "all six votes on chain",
    });
    await h.w.tick();
    const after = await h.stats();
    expect(after.nonces.gap).toBeNull();
    expect(after.warnings.map((w) => w.code)).not.toContain("nonce_gap");
    expect(await metric("veritally_nonce_gap")).toBe(0);
    expect(after.finality.finalMissingVotes).toBe(0);
  });
});
