import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { encryptVotes } from "./ballot-input.js";
import { ballotsToJson, electionKeyFromJson } from "./formats.js";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));
const CRYPTO_DIR = fileURLToPath(new URL("../..", import.meta.url));
const PASSPHRASE = "correct horse battery staple";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process, as a trustee would. */
function cli(args: readonly string[], env: Record<string, string> = { VERITALLY_TRUSTEE_PASSPHRASE: PASSPHRASE }) {
  return new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { cwd: CRYPTO_DIR, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function ok(args: readonly string[], env?: Record<string, string>): Promise<Run> {
  const r = await cli(args, env);
  if (r.code !== 0) throw new Error(`trustee ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

function subsets(xs: readonly number[], size: number): number[][] {
  if (size === 0) return [[]];
  return xs.flatMap((x, i) => subsets(xs.slice(i + 1), size - 1).map((rest) => [x, ...rest]));
}

const REGISTRY = `0x${"ab".repeat(20)}`;
const ELECTION = `0x${"cd".repeat(32)}`;
const TRUSTEES = [1, 2, 3, 4, 5];

describe("trustee CLI", () => {
  it("a 3-of-5 ceremony, a real aggregate of ballots, any 3 of 5 decrypt and 2 do not", {
    timeout: 600_000,
  }, async () => {
    const base = mkdtempSync(join(tmpdir(), "veritally-trustee-"));
    const pub = join(base, "public");
    mkdirSync(pub);
    const home = (i: number) => join(base, `trustee-${i}`);
    const secret = (i: number) => join(home(i), "secret.json");
    const publicFile = (i: number) => join(pub, `trustee-${i}.json`);
    const sharesFile = (i: number) => join(pub, `shares-${i}.json`);
    const partialFile = (i: number) => join(pub, `partial-${i}.json`);
    const shareProofFile = (i: number) => join(pub, `share-proof-${i}.json`);
    for (const i of TRUSTEES) mkdirSync(home(i));
    // Trustee 5 keeps its passphrase in a file instead of the environment.
    const passFile = join(home(5), "passphrase");
    writeFileSync(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const auth = (i: number) => (i === 5 ? ["--passphrase-file", passFile] : []);
    const env = (i: number) => (i === 5 ? {} : undefined);

    await Promise.all(
      TRUSTEES.map((i) =>
        ok(
          [
            "init",
            ...["--index", String(i), "--trustees", "5", "--threshold", "3", "--chain-id", "31337"],
            ...["--registry", REGISTRY, "--election-id", ELECTION, "--secret", secret(i), "--out", publicFile(i)],
            ...auth(i),
          ],
          env(i),
        ),
      ),
    );
    for (const i of TRUSTEES) expect(statSync(secret(i)).mode & 0o777).toBe(0o600);
    expect(readFileSync(secret(1), "utf8")).not.toMatch(/coefficients/);
    const allPublic = TRUSTEES.flatMap((i) => ["--public", publicFile(i)]);

    await Promise.all(
      TRUSTEES.map((i) =>
        ok(["shares", "--secret", secret(i), ...allPublic, "--out", sharesFile(i), ...auth(i)], env(i)),
      ),
    );
    const allShares = (files: (i: number) => string) => TRUSTEES.flatMap((i) => ["--shares", files(i)]);

    // Trustee 2 sends trustee 1 a bad share: trustee 1 files a complaint, and the key is refused naming trustee 2.
    const shares2 = JSON.parse(readFileSync(sharesFile(2), "utf8"));
    const c = shares2.shares[0].ciphertext as string;
    shares2.shares[0].ciphertext = `${c.slice(0, 10)}${c[10] === "0" ? "1" : "0"}${c.slice(11)}`;
    const badShares = join(pub, "shares-2-bad.json");
    writeFileSync(badShares, JSON.stringify(shares2));
    const badSet = (i: number) => (i === 2 ? badShares : sharesFile(i));
    const complaints = join(base, "complaints");
    mkdirSync(complaints);
    const refused = await cli([
      "receive",
      "--secret",
      secret(1),
      ...allPublic,
      ...allShares(badSet),
      ...["--complaints", complaints, "--out", shareProofFile(1)],
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/trustee 2: the ciphertext does not decrypt/);
    const complaint = join(complaints, "complaint-1-against-2.json");
    const upheld = await cli([
      "key",
      ...allPublic,
      "--complaint",
      complaint,
      ...allShares(badSet),
      "--out",
      join(base, "no.json"),
    ]);
    expect(upheld.code).toBe(3);
    expect(upheld.stderr).toMatch(/complaint upheld: trustee 2: .*Trustee 2 sent a bad share/);
    // A wrong passphrase is a clear error.
    const wrong = await cli(
      ["receive", "--secret", secret(1), ...allPublic, ...allShares(sharesFile), "--out", shareProofFile(1)],
      {
        VERITALLY_TRUSTEE_PASSPHRASE: "not it",
      },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong passphrase/);
    expect(wrong.stderr).not.toContain("not it");

    await Promise.all(
      TRUSTEES.map((i) =>
        ok(
          [
            "receive",
            "--secret",
            secret(i),
            ...allPublic,
            ...allShares(sharesFile),
            "--out",
            shareProofFile(i),
            ...auth(i),
          ],
          env(i),
        ),
      ),
    );
    // The key record needs every trustee's proof that it holds its share.
    const allProofs = TRUSTEES.flatMap((i) => ["--share-proof", shareProofFile(i)]);
    const missing = await cli(["key", ...allPublic, ...allProofs.slice(0, 8), "--out", join(base, "no.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/trustee 5 has not proved it holds its share/);
    // The same complaint against the honest file is refused.
    const keyFile = join(pub, "election-key.json");
    const dismissed = await ok([
      "key",
      ...allPublic,
      "--complaint",
      complaint,
      ...allShares(sharesFile),
      ...allProofs,
      "--out",
      keyFile,
    ]);
    expect(dismissed.stderr).toMatch(/complaint of trustee 1 refused: the share of trustee 2 is valid/);

    // Ballots made with the ballot library under the joint key, aggregated by the CLI.
    const record = electionKeyFromJson(JSON.parse(readFileSync(keyFile, "utf8")));
    const votes = [0, 1, 1, 2, 1, 3, 0, 1, 2];
    const ballots = await encryptVotes(record.context, record.jointKey, 4, votes);
    const ballotsFile = join(pub, "ballots.json");
    writeFileSync(ballotsFile, JSON.stringify(ballotsToJson(record.context, ballots)));
    const input = join(pub, "tally-input.json");
    await ok(["aggregate", "--key", keyFile, "--ballots", ballotsFile, "--out", input]);

    // A trustee refuses to decrypt an input that is not the aggregate of the published ballots.
    const forged = JSON.parse(readFileSync(input, "utf8"));
    forged.aggregate = [forged.aggregate[1], forged.aggregate[0], ...forged.aggregate.slice(2)];
    const forgedInput = join(pub, "tally-input-forged.json");
    writeFileSync(forgedInput, JSON.stringify(forged));
    const oracle = await cli([
      "decrypt",
      "--secret",
      secret(1),
      "--key",
      keyFile,
      "--input",
      forgedInput,
      "--ballots",
      ballotsFile,
      "--out",
      join(pub, "x.json"),
    ]);
    expect(oracle.code).toBe(3);
    expect(oracle.stderr).toMatch(/aggregate, choice 0: not the product of the ballots' ciphertexts/);

    // Trustees 1-3 check the aggregate against the ballots before decrypting; 4 and 5 rely on the input.
    const checkBallots = (i: number) => (i <= 3 ? ["--ballots", ballotsFile] : []);
    await Promise.all(
      TRUSTEES.map((i) =>
        ok(
          [
            "decrypt",
            "--secret",
            secret(i),
            "--key",
            keyFile,
            "--input",
            input,
            ...checkBallots(i),
            "--out",
            partialFile(i),
            ...auth(i),
          ],
          env(i),
        ),
      ),
    );
    const expected = [2, 4, 2, 1];
    const results = await Promise.all(
      subsets(TRUSTEES, 3).map(async (set) => {
        const out = join(pub, `tally-${set.join("")}.json`);
        await ok([
          "tally",
          "--key",
          keyFile,
          "--input",
          input,
          ...set.flatMap((i) => ["--partial", partialFile(i)]),
          "--out",
          out,
        ]);
        return { set, file: out, tally: JSON.parse(readFileSync(out, "utf8")) };
      }),
    );
    for (const r of results) {
      expect(r.tally.counts, `trustees ${r.set}`).toEqual(expected);
      expect(r.tally.trustees).toEqual(r.set);
    }
    const two = await cli([
      "tally",
      "--key",
      keyFile,
      "--input",
      input,
      "--partial",
      partialFile(2),
      "--partial",
      partialFile(4),
      "--out",
      join(pub, "t.json"),
    ]);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/2 trustee\(s\) decrypted verifiably, the threshold is 3/);

    const first = results[0];
    if (!first) throw new Error("no tally");
    const verified = await ok([
      "verify",
      ...["--key", keyFile, "--ballots", ballotsFile, "--input", input, "--tally", first.file],
      ...TRUSTEES.flatMap((i) => ["--partial", partialFile(i)]),
    ]);
    expect(verified.stdout).toBe("verified\n");

    // A tampered tally and a tampered decryption share are refused, naming what failed.
    const tampered = { ...first.tally, counts: [3, 3, 2, 1] };
    const tamperedFile = join(pub, "tally-tampered.json");
    writeFileSync(tamperedFile, JSON.stringify(tampered));
    const t = await cli(["verify", "--key", keyFile, "--tally", tamperedFile]);
    expect(t.code).toBe(3);
    expect(t.stderr).toMatch(/counts\[0\]: B \/ M is not g\^3/);
    const partial3 = JSON.parse(readFileSync(partialFile(3), "utf8"));
    partial3.choices[1].value = partial3.choices[0].value;
    const badPartial = join(pub, "partial-3-bad.json");
    writeFileSync(badPartial, JSON.stringify(partial3));
    const p = await cli(["verify", "--key", keyFile, "--input", input, "--partial", badPartial]);
    expect(p.code).toBe(3);
    expect(p.stderr).toMatch(/decryption share of trustee 3, choice 1: proof does not verify/);

    // Strict files: an unknown field or a malformed point is named.
    const pub4 = JSON.parse(readFileSync(publicFile(4), "utf8"));
    writeFileSync(join(pub, "p4-extra.json"), JSON.stringify({ ...pub4, note: "hi" }));
    const extra = await cli(["key", "--public", join(pub, "p4-extra.json"), "--out", join(base, "x.json")]);
    expect(extra.stderr).toMatch(/p4-extra\.json: \$\.note: unknown field/);
    writeFileSync(
      join(pub, "p4-bad.json"),
      JSON.stringify({ ...pub4, commitments: [pub4.commitments[0], "ff".repeat(32), pub4.commitments[2]] }),
    );
    const badPoint = await cli(["key", "--public", join(pub, "p4-bad.json"), "--out", join(base, "x.json")]);
    expect(badPoint.stderr).toMatch(/\$\.commitments\[1\]: invalid or non-canonical ristretto255 encoding/);
  });

  it("asks for the passphrase in a terminal without echoing it", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "veritally-trustee-tty-"));
    const typed = "typed in the terminal";
    const command = [
      process.execPath,
      ...["--import", "tsx", CLI, "init", "--index", "1", "--trustees", "1", "--threshold", "1", "--chain-id", "1"],
      ...[
        "--registry",
        REGISTRY,
        "--election-id",
        ELECTION,
        "--secret",
        join(dir, "s.json"),
        "--out",
        join(dir, "p.json"),
      ],
    ].join(" ");
    // util-linux `script` gives the CLI a pseudo-terminal. Both answers are typed at once when the
    // first prompt appears: the second is typed ahead, and neither may be echoed.
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: CRYPTO_DIR,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    });
    let output = "";
    let answered = false;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (!answered && output.includes("Passphrase")) {
        answered = true;
        child.stdin.write(`${typed}\r${typed}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, output).toBe(0);
    expect(output).toContain("Passphrase again");
    expect(output).not.toContain(typed);
    const opened = await ok(
      ["shares", "--secret", join(dir, "s.json"), "--public", join(dir, "p.json"), "--out", join(dir, "sh.json")],
      {
        VERITALLY_TRUSTEE_PASSPHRASE: typed,
      },
    );
    expect(opened.stderr).toMatch(/wrote .*sh\.json/);
  });
});
