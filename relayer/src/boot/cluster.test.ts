/**
 * API_PROCESSES > 1 with the real node:cluster: this test process is the primary and forks API
 * processes that run src/server.ts (through tsx) against a real chain and Postgres.
 */
import cluster, { type Worker } from "node:cluster";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@veritally/contracts/local-node";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  fakeProcess,
  startTestChain,
  startTestDb,
  type TestChain,
  type TestDb,
  testEnv,
  until,
} from "../testing/setup.js";
import { runApiCommand } from "./api.js";
import { type ApiCluster, createApiCluster } from "./cluster.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

let chain: TestChain;
let db: TestDb;
let api: ApiCluster | undefined;

/** Every exit of a forked process: pid, exit code, signal. */
const exits: { pid: number | undefined; code: number | null; signal: string | null }[] = [];
const onExit = (worker: Worker, code: number | null, signal: string | null) =>
  exits.push({ pid: worker.process.pid, code, signal });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const health = async (url: string) => {
  try {
    return (await fetch(`${url}/health`)).status;
  } catch {
    return "refused";
  }
};

beforeAll(async () => {
  [chain, db] = await Promise.all([startTestChain(), startTestDb("relayer_cluster")]);
  // The forks run the API's entry point, as `npm run start:api` does.
  cluster.setupPrimary({
    exec: path.join(repoRoot, "relayer/src/server.ts"),
    execArgv: ["--import", "tsx"],
    cwd: repoRoot,
  });
  cluster.on("exit", onExit);
});

afterAll(async () => {
  await api?.stop();
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
  cluster.off("exit", onExit);
  await chain?.stop();
  await db?.drop();
});

describe("API cluster", () => {
  it("serves from N processes on one port, starts another when one dies, and stops them all", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const lines: string[] = [];
    const listening: number[] = [];
    const onListening = (worker: Worker, address: { port: number }) => {
      if (address.port === port) listening.push(worker.process.pid as number);
    };
    cluster.on("listening", onListening);
    onTestFinished(() => {
      cluster.off("listening", onListening);
    });
    api = createApiCluster({
      processes: 2,
      env: testEnv(db, chain, { HOST: "127.0.0.1", PORT: String(port) }),
      restartDelayMs: 200,
      log: (line) => lines.push(line),
    });
    const first = api.pids();
    expect(first).toHaveLength(2);
    await until(async () => listening.length === 2, { what: "both API processes listening" });
    expect(new Set(listening)).toEqual(new Set(first));
    expect(await health(url)).toBe(200);

    const [victim, survivor] = first as [number, number];
    process.kill(victim, "SIGKILL");
    const replaced = await until(
      async () => {
        const pids = api?.pids() ?? [];
        return pids.length === 2 && !pids.includes(victim) ? pids : undefined;
      },
      { what: "a new API process in place of the killed one" },
    );
    expect(replaced).toContain(survivor);
    expect(alive(victim)).toBe(false);
    expect(lines).toEqual([`relayer API process ${victim} exited (SIGKILL); starting another`]);
    const newcomer = replaced.find((pid) => pid !== survivor) as number;
    await until(async () => listening.includes(newcomer), { what: "the new process listening on the port" });
    expect(await health(url)).toBe(200);

    // The survivor dies too, and the stop comes before its replacement is due: nothing is forked.
    const stopped = new Promise<void>((resolve) => {
      cluster.once("exit", () => setImmediate(() => api?.stop().then(resolve)));
    });
    process.kill(survivor, "SIGKILL");
    await stopped;
    expect(api.pids()).toEqual([]);
    for (const pid of [survivor, newcomer]) expect(alive(pid)).toBe(false);
    // the newcomer closed in order on the SIGTERM and exited 0
    expect(exits.find((e) => e.pid === newcomer)).toEqual({ pid: newcomer, code: 0, signal: null });
    expect(await health(url)).toBe("refused");
    // No replacement is scheduled (a fork only ever comes from one), so none can come later.
    expect(api.pendingRestarts()).toBe(0);
    expect(Object.keys(cluster.workers ?? {})).toEqual([]);
    expect(lines).toHaveLength(2);
    api = undefined;
  });

  it("start:api with API_PROCESSES=2 migrates, forks two processes, and stops them on SIGTERM (exit 0)", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = fakeProcess();
    const errors: string[] = [];
    const listening: number[] = [];
    const onListening = (worker: Worker, address: { port: number }) => {
      if (address.port === port) listening.push(worker.process.pid as number);
    };
    cluster.on("listening", onListening);
    onTestFinished(() => {
      cluster.off("listening", onListening);
    });
    await runApiCommand({
      env: testEnv(db, chain, { HOST: "127.0.0.1", PORT: String(port), API_PROCESSES: "2" }),
      signals: proc.signals,
      exit: proc.exit,
      error: (line) => errors.push(line),
    });
    const pids = Object.values(cluster.workers ?? {}).map((w) => w?.process.pid as number);
    expect(pids).toHaveLength(2);
    // both ready (a process still starting would simply be terminated by the SIGTERM)
    await until(async () => listening.length === 2, { what: "both API processes listening" });
    expect(new Set(listening)).toEqual(new Set(pids));
    expect(await health(url)).toBe(200);
    proc.signals.emit("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(proc.codes).toEqual([0]);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(exits.filter((e) => pids.includes(e.pid as number)).map((e) => e.code)).toEqual([0, 0]);
    expect(await health(url)).toBe("refused");
    expect(errors).toEqual([]);
  });
});
