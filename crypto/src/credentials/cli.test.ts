import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { credentialContext, loadCredentials, rollFromJson, verifyInclusion } from "./index.js";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));
const CRYPTO_DIR = fileURLToPath(new URL("../..", import.meta.url));
const CONTEXT = ["--chain-id", "31337", "--registry", `0x${"ab".repeat(20)}`, "--election-id", "42"];
const ctx = credentialContext({ chainId: "31337", registry: `0x${"ab".repeat(20)}`, electionId: "42" });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process, as the credential authority would. */
function cli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { cwd: CRYPTO_DIR, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" }, maxBuffer: 1 << 26 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const dir = () => mkdtempSync(join(tmpdir(), "veritally-credentials-"));
const CODE_RE = /^ {4}((?:[0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4})$/m;

describe("credentials CLI", () => {
  it("generates a code per voter, the letters and the roll; keeps no mapping; codes give the roll's credentials", {
    timeout: 120_000,
  }, async () => {
    const d = dir();
    const voters = join(d, "voters.csv");
    // A CSV with a header, quoted fields, blank lines and CRLF.
    writeFileSync(voters, 'name,voter_id\r\n"Doe, Jane",V-001\r\n\r\nRoe,"V-""002"""\nPoe,V-003\n');
    const [letters, roll] = [join(d, "letters.txt"), join(d, "roll.json")];
    const r = await cli([
      "generate",
      "--voters",
      voters,
      "--column",
      "voter_id",
      ...CONTEXT,
      "--letters",
      letters,
      "--roll",
      roll,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("the voter -> code mapping is NOT kept");
    const parsed = rollFromJson(JSON.parse(readFileSync(roll, "utf8")));
    expect(parsed.credentials).toHaveLength(3);
    expect(JSON.parse(r.stdout)).toEqual({ count: 3, root: `0x${Buffer.from(parsed.root).toString("hex")}` });
    expect(statSync(letters).mode & 0o777).toBe(0o600);
    const pages = readFileSync(letters, "utf8").split("\f");
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => /Voter: +(.*)/.exec(p)?.[1])).toEqual(["V-001", 'V-"002"', "V-003"]);
    const creds = await loadCredentials();
    const fromLetters = pages.map((p) => {
      const code = CODE_RE.exec(p)?.[1];
      if (!code) throw new Error(`no code in ${p}`);
      return Buffer.from(creds.publicCredential(ctx, code)).toString("hex");
    });
    expect(fromLetters.sort()).toEqual(parsed.credentials.map((c) => Buffer.from(c).toString("hex")));
    expect(readdirNames(d).sort()).toEqual(["letters.txt", "roll.json", "voters.csv"]);

    // A voter checks their code against the roll; anyone gets an inclusion proof.
    const code = CODE_RE.exec(pages[1] as string)?.[1] as string;
    const pub = await cli(["public", "--code", code.toLowerCase(), ...CONTEXT]);
    expect(pub.code, pub.stderr).toBe(0);
    const credential = pub.stdout.trim();
    const proof = await cli(["proof", "--roll", roll, "--credential", credential]);
    expect(proof.code, proof.stderr).toBe(0);
    const p = JSON.parse(proof.stdout) as { index: number; count: number; root: string; proof: string[] };
    expect(
      verifyInclusion(
        hexToBytes(p.root.slice(2)),
        p.count,
        p.index,
        hexToBytes(credential.slice(2)),
        p.proof.map((x) => hexToBytes(x.slice(2))),
      ),
    ).toBe(true);
    expect((await cli(["roll", "--roll", roll])).stdout).toBe(r.stdout);

    // Nothing is overwritten, and the refusal comes before any work.
    const again = await cli([
      "generate",
      "--voters",
      voters,
      "--column",
      "voter_id",
      ...CONTEXT,
      "--letters",
      join(d, "new.txt"),
      "--roll",
      roll,
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`--roll ${roll}: already exists`);
    expect(readdirNames(d)).not.toContain("new.txt");
  });

  it("keeps the mapping only when told to, mode 0600, and says so", { timeout: 60_000 }, async () => {
    const d = dir();
    writeFileSync(join(d, "v.txt"), "alice\nbob\n");
    const mapping = join(d, "mapping.json");
    const r = await cli([
      ...["generate", "--voters", join(d, "v.txt"), ...CONTEXT],
      ...["--letters", join(d, "l.txt"), "--roll", join(d, "r.json"), "--keep-mapping", mapping],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`KEPT the voter -> code mapping in ${mapping}`);
    expect(statSync(mapping).mode & 0o777).toBe(0o600);
    const m = JSON.parse(readFileSync(mapping, "utf8")) as {
      entries: { voter: string; code: string; credential: string }[];
    };
    const creds = await loadCredentials();
    expect(m.entries.map((e) => e.voter)).toEqual(["alice", "bob"]);
    for (const e of m.entries)
      expect(`0x${Buffer.from(creds.publicCredential(ctx, e.code)).toString("hex")}`).toBe(e.credential);
  });

  it("names the line and the reason of a bad voter list, the option of a bad context, and writes nothing", async () => {
    const d = dir();
    const cases: [string, string][] = [
      ["a\nb\na\n", 'line 3: voter "a" is already on line 1'],
      ['a\n"b\n', "line 2: a quoted field is not closed"],
      ["a\n ,x\n", "line 2: the voter id is empty"],
      ["\n\n", "the list holds no voter"],
    ];
    for (const [text, reason] of cases) {
      writeFileSync(join(d, "v.txt"), text);
      const r = await cli([
        "generate",
        "--voters",
        join(d, "v.txt"),
        ...CONTEXT,
        "--letters",
        join(d, "l.txt"),
        "--roll",
        join(d, "r.json"),
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--voters ${join(d, "v.txt")}: ${reason}`);
    }
    const header = await cli([
      "generate",
      "--voters",
      join(d, "v.txt"),
      "--column",
      "id",
      ...CONTEXT,
      "--letters",
      join(d, "l.txt"),
      "--roll",
      join(d, "r.json"),
    ]);
    expect(header.stderr).toContain('no header line with column "id"');
    const bad = await cli([
      "generate",
      "--voters",
      join(d, "v.txt"),
      "--chain-id",
      "31337",
      "--registry",
      "0x12",
      "--election-id",
      "1",
      "--letters",
      join(d, "l.txt"),
      "--roll",
      join(d, "r.json"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--registry: must be 0x and 40 hex digits, got "0x12"');
    expect(readdirNames(d)).toEqual(["v.txt"]);
    const missing = await cli(["generate", "--voters", join(d, "v.txt")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--chain-id is required");
    const typo = await cli(["public", "--code", "0000-0000-0000-0000-0001", ...CONTEXT]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("--code: the check symbol does not match");
  });

  it("shows progress for a large list (25,000 voters)", { timeout: 300_000 }, async () => {
    const d = dir();
    writeFileSync(join(d, "v.txt"), Array.from({ length: 25_000 }, (_, i) => `voter-${i}`).join("\n"));
    const r = await cli([
      "generate",
      "--voters",
      join(d, "v.txt"),
      ...CONTEXT,
      "--letters",
      join(d, "l.txt"),
      "--roll",
      join(d, "r.json"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/credentials: 1250 of 25000 credentials \(\d+\/s\)/);
    expect(JSON.parse(r.stdout).count).toBe(25_000);
  });
});

function readdirNames(d: string): string[] {
  return readdirSync(d).sort();
}
