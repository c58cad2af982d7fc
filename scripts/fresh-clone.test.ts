/**
 * A newcomer's tree: the repository's files as a clone has them (what git tracks, or would track:
 * nothing ignored, so no contracts/artifacts, no indexer bundle, no portal build), with the
 * installed packages linked in (a full `npm install` per test run would take minutes) and the
 * workspace packages pointing at the clone's own folders, not this tree's. On it, `npm run deploy`
 * (the runbook's path to a real network) and the build step of `./veritally setup` must build
 * what they need by themselves. `./veritally start` goes through the same ensureContractsBuilt
 * (scripts/lib/stack.ts) before it starts the chain.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { copyFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { contractsStaleReason, ensureContractsBuilt } from "@veritally/contracts/build";
import { type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./lib/stack.js";

const WORKSPACES = ["contracts", "relayer", "indexer", "portal", "crypto"];

/** The files a clone of the current tree holds: tracked and not-ignored untracked ones that exist. */
async function cloneTree(target: string): Promise<void> {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  })
    .toString()
    .split("\0")
    .filter((f) => f !== "");
  for (const file of new Set(listed)) {
    const from = path.join(repoRoot, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    await copyFile(from, path.join(target, file));
  }
  // The installed packages, each linked, except the workspaces: those are the clone's own.
  const modules = path.join(target, "node_modules");
  mkdirSync(path.join(modules, "@veritally"), { recursive: true });
  for (const entry of readdirSync(path.join(repoRoot, "node_modules"))) {
    if (entry === "@veritally" || entry.startsWith(".veritally")) continue;
    symlinkSync(path.join(repoRoot, "node_modules", entry), path.join(modules, entry));
  }
  for (const ws of WORKSPACES) {
    symlinkSync(path.join(target, ws), path.join(modules, "@veritally", ws));
    // A workspace's own versions of packages (npm nests them when the root holds another version).
    const nested = path.join(repoRoot, ws, "node_modules");
    if (existsSync(nested)) symlinkSync(nested, path.join(target, ws, "node_modules"));
  }
}

let clone: string;
let node: LocalNode;

beforeAll(async () => {
  clone = mkdtempSync(path.join(os.tmpdir(), "veritally-fresh-clone-"));
  await cloneTree(clone);
  node = await startLocalNode({ blockMs: 0 });
});

afterAll(async () => {
  await node?.stop();
  if (clone) rmSync(clone, { recursive: true, force: true });
});

const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 240_000,
  });

describe("a fresh clone", () => {
  it("has nothing built", () => {
    expect(existsSync(path.join(clone, "contracts", "artifacts"))).toBe(false);
    expect(existsSync(path.join(clone, "indexer", "lib", "main.js"))).toBe(false);
    expect(existsSync(path.join(clone, "portal", "dist"))).toBe(false);
    expect(contractsStaleReason(path.join(clone, "contracts"))).toMatch(/VoteRegistry\.json is missing/);
  });

  it("npm run deploy compiles the contracts itself, then deploys", async () => {
    const result = run(path.join(clone, "contracts"), ["scripts/deploy.ts"], { RPC_URL: node.rpcUrl });
    expect(result.stderr).not.toMatch(/is missing: run/);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/compiling the contracts \(.*VoteRegistry\.json is missing\)/);
    expect(contractsStaleReason(path.join(clone, "contracts"))).toBeUndefined();
    const deployment = JSON.parse(readFileSync(path.join(clone, "contracts", "deployments", "31337.json"), "utf8")) as {
      address: string;
    };
    expect(await node.provider.getCode(deployment.address)).not.toBe("0x");
  });

  it("setup's build step builds the indexer bundle and keeps fresh artifacts", () => {
    const result = run(clone, ["scripts/build-if-stale.ts"]);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain("contracts: artifacts are up to date");
    expect(existsSync(path.join(clone, "indexer", "lib", "main.js"))).toBe(true);
  });

  it("after one contract's source is touched, rebuilds and counts the unchanged ones fresh too", async () => {
    // Hardhat rewrites only what changed; the reference contract's artifact keeps its old time.
    const source = path.join(clone, "contracts", "contracts", "VoteRegistry.sol");
    const now = new Date();
    utimesSync(source, now, now);
    expect(contractsStaleReason(path.join(clone, "contracts"))).toMatch(/older than the sources/);
    expect(await ensureContractsBuilt({ root: path.join(clone, "contracts") })).toBe(true);
    expect(contractsStaleReason(path.join(clone, "contracts"))).toBeUndefined();
  }, 240_000);

  it("sees artifacts older than a Solidity source as stale", () => {
    const source = path.join(clone, "contracts", "contracts", "VoteRegistry.sol");
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    expect(contractsStaleReason(path.join(clone, "contracts"))).toMatch(/older than the sources/);
  });
});
