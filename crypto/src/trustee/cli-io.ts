import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { FormatError } from "./json.js";

/** Reads and parses a JSON file; a parse error names the file. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message})`);
  }
}

/** Parses a file with `parse`, prefixing a format error with the file's path. */
export function readWith<T>(path: string, parse: (value: unknown) => T): T {
  const value = readJson(path);
  try {
    return parse(value);
  } catch (e) {
    if (e instanceof FormatError || e instanceof RangeError) throw new Error(`${path}: ${e.message}`);
    throw e;
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a secret file readable by its owner only; `create` refuses to replace an existing one. */
export function writeSecretFile(path: string, value: unknown, create: boolean): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (create) {
    try {
      writeFileSync(path, text, { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST")
        throw new Error(`${path}: already exists; a trustee secret is never overwritten`);
      throw e;
    }
  } else {
    // Replace atomically so that a crash never leaves a half-written secret.
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
    renameSync(tmp, path);
  }
  chmodSync(path, 0o600);
}

export const PASSPHRASE_ENV = "VERITALLY_TRUSTEE_PASSPHRASE";

/**
 * The passphrase from --passphrase-file, else $VERITALLY_TRUSTEE_PASSPHRASE, else an interactive prompt with echo
 * off (twice when creating). It is never printed.
 */
export async function getPassphrase(opts: { file?: string | undefined; confirm: boolean }): Promise<string> {
  if (opts.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.file, "utf8");
    } catch (e) {
      throw new Error(`--passphrase-file: cannot read ${opts.file} (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    const p = text.replace(/\r?\n$/, "");
    if (p.length === 0) throw new Error("--passphrase-file: the file is empty");
    return p;
  }
  const env = process.env[PASSPHRASE_ENV];
  if (env !== undefined && env.length > 0) return env;
  if (!process.stdin.isTTY)
    throw new Error(`passphrase: pass --passphrase-file, set ${PASSPHRASE_ENV}, or run in a terminal to be asked`);
  const first = await promptHidden("Passphrase: ");
  if (first.length === 0) throw new Error("passphrase: must not be empty");
  if (opts.confirm && (await promptHidden("Passphrase again: ")) !== first)
    throw new Error("passphrase: the two entries differ");
  return first;
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new Error("passphrase: cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
