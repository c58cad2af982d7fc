/** The boot functions behind server.ts, worker.ts and migrate.ts, run in this process against a real chain and Postgres. */
import { freePort } from "@veritally/contracts/local-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test-helpers/postgres.js";
import { ADMIN_KEY, recordedVotes, startTestChain, type TestChain, until, VOTER_SECRET } from "../testing/setup.js";
import { type ApiHandle, startApi } from "./api.js";
import { runMigrate } from "./migrate.js";
import { startWorker, type WorkerHandle } from "./worker.js";

let chain: TestChain;
let db: TestDatabase;
let env: NodeJS.ProcessEnv;
let api: ApiHandle | undefined;
let worker: WorkerHandle | undefined;

beforeAll(async () => {
  [chain, db] = await Promise.all([startTestChain(), createTestDatabase("relayer_boot")]);
  env = {
    DATABASE_URL: db.url,
    RPC_URLS: chain.node.rpcUrl,
    REGISTRY_ADDRESS: chain.registryAddress,
    ADMIN_API_KEY: ADMIN_KEY,
    VOTER_ID_SECRET: VOTER_SECRET,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    MAX_WAIT_MS: "100",
    POLL_MS: "50",
  };
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await chain?.stop();
  await db?.drop();
});

describe("boot", () => {
  it("migrate applies the schema once, then reports it up to date", async () => {
    const first = await runMigrate(env);
    expect(first.at(-1)).toMatch(/^applied \S/);
    expect(await runMigrate(env)).toEqual(["schema up to date"]);
  });

  it("refuses a bad variable by name before starting anything", async () => {
    await expect(runMigrate({ ...env, DATABASE_URL: "mysql://db" })).rejects.toThrow(/DATABASE_URL/);
    await expect(startApi({ ...env, PORT: "not-a-port" })).rejects.toThrow(/PORT/);
    await expect(startWorker({ ...env, RPC_URLS: "ftp://127.0.0.1" })).rejects.toThrow(/RPC_URLS/);
  });

  it("starts the API and the worker: a vote sent over HTTP is recorded on chain", async () => {
    api = await startApi(env);
    expect(api.url).toBe(`http://127.0.0.1:${env.PORT}`);
    expect((await fetch(`${api.url}/ready`)).status).toBe(200);
    const lines: string[] = [];
    worker = await startWorker(env, (line) => lines.push(line));
    await chain.createElection(5, { choices: 2 });
    const client = await fetch(`${api.url}/v1/admin/clients`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "boot test" }),
    });
    expect(client.status).toBe(201);
    const key = ((await client.json()) as { apiKey: { key: string } }).apiKey.key;
    const answer = await until(
      async () => {
        const res = await fetch(`${api?.url}/v1/elections/5/votes`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ voterId: "boot-voter", choice: 1 }),
        });
        return res.status === 202 || res.status === 200 ? ((await res.json()) as { refHex: string }) : undefined;
      },
      { what: "the vote accepted" },
    );
    const records = await until(
      async () => {
        const r = await recordedVotes(chain, 5);
        return r.length > 0 ? r : undefined;
      },
      { what: "the vote on chain" },
    );
    expect(records.map((r) => [r.seq, r.ref, r.choice])).toEqual([[0, answer.refHex, 1]]);
    // the worker's log never holds the signing key
    expect(lines.join("")).not.toMatch(/0x[0-9a-f]{64}/i);
    await worker.stop();
    await worker.done;
  });
});
