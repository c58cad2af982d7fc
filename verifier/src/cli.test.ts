/**
 * The command as a user runs it (`npx veritally-verify`, the workspace's bin), against a real Hardhat
 * node: exit 0 on a clean election with the human report on stdout and the same report as JSON in
 * the file; 1 on a forged ballot, naming its seq; 2 on every usage and RPC error, naming the flag.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@veritally/contracts/local-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  buildBallots,
  createSecretElection,
  decrypt,
  endRecording,
  publishShare,
  publishTally,
  recordBallots,
  startTestChain,
  type TestChain,
} from "./testing.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(repoRoot, "node_modules/.bin/veritally-verify");
const VOTES = [0, 1, 1, 2, 0, 1];
let chain: TestChain;
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(BIN, [...args], { cwd: repoRoot, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number | string }).code ?? null) : 0;
      resolve({ code: typeof code === "number" ? code : null, stdout, stderr });
    });
  });
}

const target = () => ["--rpc", chain.node.rpcUrl, "--registry", chain.address];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "veritally-verify-"));
  chain = await startTestChain();
  const clean = await createSecretElection(chain, { id: 7, choices: 3 });
  const forged = await createSecretElection(chain, { id: 8, choices: 3 });
  const ballots = await buildBallots(clean, VOTES);
  await recordBallots(chain, 7, 0, ballots, 4);
  const forgedBallots = await buildBallots(forged, VOTES);
  // Seq 2 of election 8 is election 7's ballot: its proof is bound to another election.
  await recordBallots(
    chain,
    8,
    0,
    forgedBallots.map((b, seq) => (seq === 2 ? (ballots[2] ?? b) : b)),
  );
  await endRecording(chain, Math.max(clean.recordUntil, forged.recordUntil));
  const d = decrypt(clean, ballots, [2, 3, 5]);
  for (const s of d.shares) await publishShare(chain, 7, s.trustee, d.input, s);
  await publishTally(chain, 7, d.tally.counts, d.input, d.tally);
}, 240_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("veritally-verify", () => {
  test("a clean election: exit 0, the report on stdout, the same as JSON in --json", async () => {
    const file = path.join(dir, "report.json");
    const r = await run([...target(), "--election", "7", "--json", file, "--progress-every", "3"]);
    // One verification request holds all six: the progress line comes when it is done.
    expect(r.stderr).toContain("verified 6 of 6 ballots (100%)");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Veritally verification of election 7\n/);
    for (const name of ["election", "ceremony", "sequence", "ballots", "aggregate", "shares", "tally"]) {
      expect(r.stdout).toMatch(new RegExp(`\\n  OK +${name} `));
    }
    expect(r.stdout).toContain("Tally: choice 0: 2, choice 1: 3, choice 2: 1");
    expect(r.stdout).toMatch(/\nResult: OK /);
    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(json).toMatchObject({
      format: "veritally/verification-report/v1",
      result: "ok",
      electionId: "7",
      registry: chain.address.toLowerCase(),
      counts: { recorded: 6, valid: 6, invalid: 0 },
      tally: { counts: ["2", "3", "1"], valid: true, trustees: [2, 3, 5] },
    });
  });

  test("--json - writes the JSON to stdout and the human report to stderr", async () => {
    const r = await run([...target(), "--election", "0x7", "--json", "-"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).result).toBe("ok");
    expect(r.stderr).toContain("Result: OK");
  });

  test("a ballot of another election recorded in this one: exit 1, named by seq", async () => {
    const r = await run([...target(), "--election", "8"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /\n {2}FAIL +ballots +5 valid ballots, 1 invalid ballot: seq 2 \(proof: challenge mismatch/,
    );
    expect(r.stdout).toContain("    seq 2: proof: challenge mismatch");
    expect(r.stdout).toMatch(/\n {2}PENDING +tally +no tally published yet/);
    expect(r.stdout).toMatch(/\nResult: FAIL \(ballots\)/);
  });

  test.each([
    [["--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--election", "1"], "--rpc: required"],
    [["--rpc", "http://127.0.0.1:1", "--election", "1"], "--registry: required"],
    [
      ["--rpc", "http://127.0.0.1:1", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3"],
      "--election: required",
    ],
    [
      ["--rpc", "ftp://x", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--election", "1"],
      "--rpc: must be an http or https URL",
    ],
    [
      ["--rpc", "http://127.0.0.1:1", "--registry", "0x12", "--election", "1"],
      '--registry: expected 0x and 40 hex digits, got "0x12"',
    ],
    [
      ["--rpc", "http://127.0.0.1:1", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--election", "one"],
      '--election: expected a decimal or 0x-hex uint256, got "one"',
    ],
    [
      [
        "--rpc",
        "http://127.0.0.1:1",
        "--registry",
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "--election",
        "1",
        "--from-block=-3",
      ],
      '--from-block: expected a non-negative integer, got "-3"',
    ],
    [
      [
        "--rpc",
        "http://127.0.0.1:1",
        "--registry",
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "--election",
        "1",
        "--threads",
        "0",
      ],
      "--threads: at least 1",
    ],
    [["--rpc", "http://127.0.0.1:1", "--bogus"], "Unknown option '--bogus'"],
  ])("usage error %j: exit 2, naming the flag", async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`veritally-verify: ${message}`);
    expect(r.stderr).toContain("usage: veritally-verify --rpc URL --registry ADDRESS --election ID");
    expect(r.stdout).toBe("");
  });

  test("an unknown election, a registry without code, an endpoint that does not answer: exit 2, naming why", async () => {
    const unknown = await run([...target(), "--election", "99"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("veritally-verify: --election: no election 99 in registry");
    const empty = await run([
      "--rpc",
      chain.node.rpcUrl,
      "--registry",
      "0x00000000000000000000000000000000000000aa",
      "--election",
      "7",
    ]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(
      "veritally-verify: --registry: no contract at 0x00000000000000000000000000000000000000aa",
    );
    const port = await freePort();
    const down = await run(["--rpc", `http://127.0.0.1:${port}`, "--registry", chain.address, "--election", "7"]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(
      `veritally-verify: --rpc: eth_chainId: no answer from http://127.0.0.1:${port}/ (ECONNREFUSED)`,
    );
    expect(down.stderr).toContain("gave up after 6 attempts");
  }, 120_000);

  test("--help: the usage, exit 0", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "Exit status: 0 every check that applies passed, 1 a verification failed, 2 usage or RPC error.",
    );
  });
});
