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
  // Echo goes off before the first prompt is shown and comes back after the last answer, so that
  // nothing typed early (before a prompt appears, or between the two) is ever echoed; what is
  // typed ahead is kept for the next prompt.
  const reader = hiddenLineReader(process.stdin);
  try {
    const first = await reader.ask("Passphrase: ");
    if (first.length === 0) throw new Error("passphrase: must not be empty");
    if (opts.confirm && (await reader.ask("Passphrase again: ")) !== first)
      throw new Error("passphrase: the two entries differ");
    return first;
  } finally {
    reader.close();
  }
}

/** Lines read from a terminal in raw mode (no echo), each answer to one prompt on stderr. */
function hiddenLineReader(stdin: NodeJS.ReadStream) {
  const lines: string[] = [];
  let current = "";
  let cancelled = false;
  let waiting: { resolve: (line: string) => void; reject: (error: Error) => void } | undefined;
  const settle = () => {
    if (!waiting) return;
    const w = waiting;
    if (cancelled) {
      waiting = undefined;
      w.reject(new Error("passphrase: cancelled"));
      return;
    }
    const line = lines.shift();
    if (line === undefined) return;
    waiting = undefined;
    process.stderr.write("\n");
    w.resolve(line);
  };
  const onData = (chunk: Buffer) => {
    for (const ch of chunk.toString("utf8")) {
      if (ch === "\r" || ch === "\n") {
        lines.push(current);
        current = "";
      } else if (ch === "\u0003") cancelled = true;
      else if (ch === "\u007f" || ch === "\b") current = current.slice(0, -1);
      else current += ch;
    }
    settle();
  };
  stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.resume();
  return {
    ask(question: string): Promise<string> {
      process.stderr.write(question);
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        settle();
      });
    },
    close() {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
