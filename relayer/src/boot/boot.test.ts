/** The boot functions behind server.ts, worker.ts and migrate.ts, run in this process against a real chain and Postgres. */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@veritally/contracts/local-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test-helpers/postgres.js";
import {
  ADMIN_KEY,
  fakeProcess,
  recordedVotes,
  startTestChain,
  type TestChain,
  until,
  VOTER_SECRET,
} from "../testing/setup.js";
import { type ApiHandle, runApiCommand, startApi } from "./api.js";
import { runMigrate, runMigrateCommand } from "./migrate.js";
import { runWorkerCommand, startWorker, type WorkerHandle } from "./worker.js";

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

/** The commands behind the entry points (server.ts, worker.ts, migrate.ts), with a stand-in for `process`. */
describe("commands", () => {
  const lockHolders = async () => {
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const { rows } = await sql.query(
        "select pid from pg_stat_activity where application_name = 'veritally-relayer-worker-lock' and datname = current_database()",
      );
      return rows.map((r) => r.pid as number);
    } finally {
      await sql.end();
    }
  };

  it("migrate prints what it did, and exits 1 with the message on a bad variable", async () => {
    const printed: string[] = [];
    const proc = fakeProcess();
    await runMigrateCommand({ env, print: (l) => printed.push(l), exit: proc.exit });
    expect(printed).toEqual(["schema up to date"]);
    expect(proc.codes).toEqual([]);
    const errors: string[] = [];
    await runMigrateCommand({
      env: { ...env, DATABASE_URL: "mysql://db" },
      error: (l) => errors.push(l),
      exit: proc.exit,
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^migrate: .*DATABASE_URL/);
    expect(proc.codes).toEqual([1]);
  });

  it("start:api serves in one process and closes on SIGINT (exit 0); a second SIGINT changes nothing", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = fakeProcess();
    await runApiCommand({ env: { ...env, PORT: String(port) }, signals: proc.signals, exit: proc.exit });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    proc.signals.emit("SIGINT");
    proc.signals.emit("SIGINT");
    expect(await proc.exited).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(proc.codes).toEqual([0]);
  });

  it("start:api exits 1 with the variable's name when the configuration is bad", async () => {
    const proc = fakeProcess();
    const errors: string[] = [];
    await runApiCommand({
      env: { ...env, PORT: "eighty" },
      signals: proc.signals,
      exit: proc.exit,
      error: (l) => errors.push(l),
    });
    expect(proc.codes).toEqual([1]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^relayer API: .*PORT/);
  });

  it("start:worker exits 1 with the variable's name when the configuration is bad", async () => {
    const proc = fakeProcess();
    const errors: string[] = [];
    await runWorkerCommand({
      env: { ...env, RPC_URLS: "ftp://127.0.0.1" },
      signals: proc.signals,
      exit: proc.exit,
      error: (l) => errors.push(l),
    });
    expect(proc.codes).toEqual([1]);
    expect(errors).toEqual([expect.stringMatching(/^relayer worker: .*RPC_URLS/)]);
  });

  it("start:worker stops in order on SIGTERM (exit 0) and releases the signing key's lock", async () => {
    const proc = fakeProcess();
    const lines: string[] = [];
    const running = runWorkerCommand({
      env: { ...env, LOG_LEVEL: "info" },
      signals: proc.signals,
      exit: proc.exit,
      write: (l) => lines.push(l),
    });
    await until(async () => lines.some((l) => l.includes('"worker started"')), { what: "the worker started" });
    expect(await lockHolders()).toHaveLength(1);
    proc.signals.emit("SIGTERM");
    expect(await proc.exited).toBe(0);
    await running;
    expect(proc.codes).toEqual([0]);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ msg: "stopping", signal: "SIGTERM" }),
    );
    expect(await lockHolders()).toEqual([]);
  });

  it("start:worker exits 1 when it loses the signing key's lock (its connection is killed)", async () => {
    const proc = fakeProcess();
    const lines: string[] = [];
    const running = runWorkerCommand({
      env: { ...env, LOG_LEVEL: "info" },
      signals: proc.signals,
      exit: proc.exit,
      write: (l) => lines.push(l),
    });
    await until(async () => lines.some((l) => l.includes('"worker started"')), { what: "the worker started" });
    const [holder] = await lockHolders();
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    await sql.query("select pg_terminate_backend($1)", [holder]);
    await sql.end();
    expect(await proc.exited).toBe(1);
    await running;
    expect(proc.codes).toEqual([1]);
    const stopped = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "worker stopped");
    expect(stopped).toMatchObject({ level: "error", error: "lost the signing key's advisory lock" });
  });
});

/** The entry points as operators run them: real processes through tsx. */
describe("entry points", () => {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
  const run = (entry: string, extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "relayer/src", entry)], {
      cwd: repoRoot,
      env: { ...process.env, ...env, ...extra },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      out += c;
    });
    const exited = new Promise<number | string | null>((resolve) =>
      child.once("exit", (code, signal) => resolve(code ?? signal)),
    );
    return { child, exited, output: () => out };
  };

  it("migrate.ts prints what it did and exits 0; with a bad variable it exits 1 naming it", async () => {
    const first = run("migrate.ts");
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/^(applied \S+|schema up to date)$/m);
    const again = run("migrate.ts");
    expect(await again.exited).toBe(0);
    expect(again.output()).toBe("schema up to date\n");
    const bad = run("migrate.ts", { DATABASE_URL: "mysql://db" });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/migrate: .*DATABASE_URL/);
  });

  it("server.ts serves, and closes on SIGTERM with exit 0", async () => {
    const port = await freePort();
    const api = run("server.ts", { PORT: String(port) });
    await until(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, {
      what: "the API process answering",
    });
    api.child.kill("SIGTERM");
    expect(await api.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it("worker.ts: a second SIGINT during the orderly stop neither kills it nor stops it twice (exit 0)", async () => {
    // POLL_MS=3000: the stop waits for the loop's pause, so the second signal lands during the stop.
    const worker = run("worker.ts", { LOG_LEVEL: "info", POLL_MS: "3000" });
    await until(async () => worker.output().includes('"worker started"'), { what: "the worker started" });
    worker.child.kill("SIGINT");
    await until(async () => worker.output().includes('"stopping"'), { what: "the stop begun" });
    expect(worker.child.kill("SIGINT")).toBe(true);
    expect(await worker.exited).toBe(0);
    expect(worker.output().match(/"stopping"/g)).toHaveLength(1);
  });
});
