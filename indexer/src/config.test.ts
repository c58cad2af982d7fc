import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { InvalidInputError, NonRetryableError, RetryableError } from "@veritally/contracts";
import { type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchChainId, loadGraphqlConfig, loadIndexerConfig } from "./config.js";
import { DEFAULT_DATABASE_URL, databaseName, databaseUrlFromEnv, redactUrl } from "./database-url.js";
import { ensureDatabase } from "./db.js";
import { parseReindexArgs } from "./reindex.js";

const ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/** Nothing listens on port 1: reaching the RPC at all would fail with a RetryableError. */
const NOWHERE = "http://127.0.0.1:1";

function fieldOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).field;
  }
  return undefined;
}

async function fieldOfAsync(action: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).field;
  }
  return undefined;
}

describe("database URL", () => {
  test("defaults to the local veritally_indexer database", () => {
    expect(databaseUrlFromEnv({})).toBe(DEFAULT_DATABASE_URL);
    expect(databaseName(DEFAULT_DATABASE_URL)).toBe("veritally_indexer");
  });

  test("DB_URL is taken as it is when it is a postgres URL naming a database", () => {
    expect(databaseUrlFromEnv({ DB_URL: "postgresql://u:p@db:6543/x" })).toBe("postgresql://u:p@db:6543/x");
    expect(fieldOf(() => databaseUrlFromEnv({ DB_URL: "not a url" }))).toBe("DB_URL");
    expect(fieldOf(() => databaseUrlFromEnv({ DB_URL: "mysql://u@h/x" }))).toBe("DB_URL");
    expect(fieldOf(() => databaseUrlFromEnv({ DB_URL: "postgres://u@h:5432" }))).toBe("DB_URL");
  });

  test("DB_* variables compose a URL; the password may come from a file and is masked in logs", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "vt-indexer-"));
    try {
      await writeFile(path.join(dir, "pass"), "s3cret\n");
      const url = databaseUrlFromEnv({
        DB_HOST: "db.internal",
        DB_PORT: "6543",
        DB_NAME: "obs",
        DB_USER: "me",
        DB_PASS_FILE: path.join(dir, "pass"),
      });
      expect(url).toBe("postgres://me:s3cret@db.internal:6543/obs");
      expect(redactUrl(url)).toBe("postgres://me:***@db.internal:6543/obs");
      expect(redactUrl("::")).toBe("(unparseable URL)");
      expect(databaseUrlFromEnv({ DB_NAME: "other" })).toBe("postgres://postgres@127.0.0.1:5432/other");
      expect(fieldOf(() => databaseUrlFromEnv({ DB_PORT: "54x" }))).toBe("DB_PORT");
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test("an unreachable server is a RetryableError naming it, password masked", async () => {
    const error = await ensureDatabase("postgres://me:pw@127.0.0.1:1/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toContain("postgres://me:***@127.0.0.1:1/postgres");
    expect((error as Error).message).not.toContain("pw");
  });
});

describe("indexer configuration", () => {
  test("every bad value is refused, naming its variable, before any connection", async () => {
    const base = { RPC_URL: NOWHERE, CONTRACT_ADDRESS: ADDRESS };
    const cases: [Record<string, string>, string][] = [
      [{ CONTRACT_ADDRESS: "0x1234" }, "CONTRACT_ADDRESS"],
      [{ START_BLOCK: "-1" }, "START_BLOCK"],
      [{ START_BLOCK: "12abc" }, "START_BLOCK"],
      [{ INDEX_GAS: "maybe" }, "INDEX_GAS"],
      [{ REORG_RECOVERY: "repair" }, "REORG_RECOVERY"],
      [{ RPC_URL: "ftp://127.0.0.1" }, "RPC_URL"],
      [{ RPC_URL: "nowhere" }, "RPC_URL"],
      [{ HEAD_POLL_MS: "5" }, "HEAD_POLL_MS"],
      [{ RPC_CAPACITY: "0" }, "RPC_CAPACITY"],
      [{ FINALITY_CONFIRMATION: "1.5" }, "FINALITY_CONFIRMATION"],
      [{ DB_URL: "nope" }, "DB_URL"],
    ];
    for (const [override, field] of cases) {
      expect(await fieldOfAsync(() => loadIndexerConfig({ ...base, ...override })), JSON.stringify(override)).toBe(
        field,
      );
    }
  });

  test("an RPC that does not answer is a RetryableError", async () => {
    const error = await loadIndexerConfig({ RPC_URL: NOWHERE, CONTRACT_ADDRESS: ADDRESS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).code).toBe("rpc_unreachable");
  });

  test("GraphQL server settings", () => {
    expect(loadGraphqlConfig({})).toEqual({
      databaseUrl: DEFAULT_DATABASE_URL,
      host: "127.0.0.1",
      port: 4350,
      maxResponseNodes: 100_000,
    });
    expect(fieldOf(() => loadGraphqlConfig({ GQL_PORT: "http" }))).toBe("GQL_PORT");
  });

  test("reindex arguments", () => {
    expect(parseReindexArgs(["--from-block", "42"])).toEqual({ target: 41 });
    expect(parseReindexArgs(["--reset"])).toEqual({ target: -1 });
    expect(fieldOf(() => parseReindexArgs([]))).toBe("--from-block");
    expect(fieldOf(() => parseReindexArgs(["--from-block", "x"]))).toBe("--from-block");
  });
});

describe("with a chain", () => {
  let node: LocalNode;
  let dir: string;
  const saved = process.env.VERITALLY_DEPLOYMENTS_DIR;

  beforeAll(async () => {
    node = await startLocalNode();
    dir = await mkdtemp(path.join(tmpdir(), "vt-deployments-"));
    process.env.VERITALLY_DEPLOYMENTS_DIR = dir;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.VERITALLY_DEPLOYMENTS_DIR;
    else process.env.VERITALLY_DEPLOYMENTS_DIR = saved;
    await rm(dir, { recursive: true, force: true });
    await node?.stop();
  });

  test("the chain id comes from the RPC, over HTTP or WebSocket", async () => {
    expect(await fetchChainId(node.rpcUrl)).toBe(31337);
    expect(await fetchChainId(node.rpcUrl.replace("http", "ws"))).toBe(31337);
  });

  test("without CONTRACT_ADDRESS, the contract and start block come from the chain's deployment file", async () => {
    const missing = await loadIndexerConfig({ RPC_URL: node.rpcUrl }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NonRetryableError);
    expect((missing as Error).message).toMatch(/no deployment file for chain 31337.*Set CONTRACT_ADDRESS/);

    await writeFile(
      path.join(dir, "31337.json"),
      JSON.stringify({ contract: "VoteRegistry", chainId: 31337, address: ADDRESS, deploymentBlock: 7 }),
    );
    const config = await loadIndexerConfig({ RPC_URL: node.rpcUrl });
    expect(config).toMatchObject({
      chainId: 31337,
      contractAddress: ADDRESS.toLowerCase(),
      startBlock: 7,
      source: "deployment file",
      finalityConfirmation: 10,
      headPollMs: 100,
      gasFields: true,
      reorgRecovery: "stop",
      prometheusHost: "127.0.0.1",
    });
    expect((await loadIndexerConfig({ RPC_URL: node.rpcUrl, START_BLOCK: "9" })).startBlock).toBe(9);
    const explicit = await loadIndexerConfig({
      RPC_URL: node.rpcUrl,
      CONTRACT_ADDRESS: ADDRESS,
      RPC_RATE_LIMIT: "20",
      INDEX_GAS: "off",
      REORG_RECOVERY: "rollback",
    });
    expect(explicit).toMatchObject({
      source: "environment",
      startBlock: 0,
      rpcRateLimit: 20,
      gasFields: false,
      reorgRecovery: "rollback",
    });
  });
});
