/**
 * A child process whose output a test can read (the last few hundred KB of stdout and stderr,
 * interleaved) and stop: SIGTERM, then SIGKILL after a grace period. The one way tests and their
 * helpers run the indexer, the portal's server and other programs.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

export interface ChildHandle {
  process: ChildProcess;
  /** What the child wrote so far (its tail when it wrote a lot). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Stops the child (SIGTERM, SIGKILL after `killAfterMs`) and waits for it; at once if it has exited. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  cwd?: string;
  env?: SpawnOptions["env"];
  /** Output kept: when it grows past this, the older half goes. */
  keepChars?: number;
  killAfterMs?: number;
}

export function spawnWithOutput(command: string, args: readonly string[], options: ChildOptions = {}): ChildHandle {
  const keep = options.keepChars ?? 400_000;
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > keep) text = text.slice(-keep / 2);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    process: child,
    output: () => text,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
