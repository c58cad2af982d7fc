/**
 * Runs the system's long-lived processes as children: output to a log file per service, a
 * restart with backoff when one dies unexpectedly, and an orderly stop (SIGTERM, then SIGKILL).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { backoffDelay } from "@veritally/contracts";

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  /** Exit codes after which a restart cannot help (the service is left stopped). */
  fatalExitCodes?: number[];
  /** Restart after an unexpected exit. Default true. */
  restart?: boolean;
}

export interface Service {
  readonly spec: ServiceSpec;
  readonly logFile: string;
  pid(): number | undefined;
  restarts(): number;
  /** How many times the process has been launched (1 + completed restarts). */
  launches(): number;
  /** Sends a signal to the running process (fault drills); the supervisor restarts it unless stopped. */
  kill(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
  /** Resolves once the process has exited (for the current run). */
  exited(): Promise<number | null>;
}

export interface Supervisor {
  start(spec: ServiceSpec): Service;
  get(name: string): Service | undefined;
  stopAll(): Promise<void>;
}

export function createSupervisor(options: { logDir: string; onEvent?: (message: string) => void }): Supervisor {
  mkdirSync(options.logDir, { recursive: true });
  const services = new Map<string, Service>();
  // Services run in their own process groups, so they would outlive an abrupt exit of ours:
  // whatever is still running when this process exits is killed.
  process.once("exit", () => {
    for (const service of services.values()) {
      const pid = service.pid();
      if (pid) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  });
  const say = options.onEvent ?? (() => {});

  function start(spec: ServiceSpec): Service {
    const logFile = path.join(options.logDir, `${spec.name}.log`);
    const log: WriteStream = createWriteStream(logFile, { flags: "a" });
    let child: ChildProcess | undefined;
    let stopping = false;
    let restartCount = 0;
    let launchCount = 0;
    let exitPromise: Promise<number | null> = Promise.resolve(null);
    let outputClosed: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;

    const launch = () => {
      launchCount++;
      log.write(`\n--- ${new Date().toISOString()} starting ${spec.name}\n`);
      const proc = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        stdio: ["ignore", "pipe", "pipe"],
        // Own process group: Ctrl-C reaches only the supervisor, which then stops services in order.
        detached: true,
      });
      child = proc;
      proc.stdout?.pipe(log, { end: false });
      proc.stderr?.pipe(log, { end: false });
      // Output can still arrive after "exit"; the log may end only once both pipes closed.
      outputClosed = new Promise((resolve) => proc.once("close", () => resolve()));
      exitPromise = new Promise((resolve) => {
        proc.on("exit", (code, signal) => {
          log.write(`--- ${new Date().toISOString()} ${spec.name} exited (code ${code}, signal ${signal})\n`);
          resolve(code);
          if (stopping) return;
          if (code !== null && spec.fatalExitCodes?.includes(code)) {
            say(`${spec.name} stopped with exit code ${code}: not restarting (see ${logFile})`);
            return;
          }
          if (spec.restart === false) return;
          restartCount++;
          const delay = backoffDelay({ baseMs: 250, maxMs: 10_000, maxDoublings: 6 }, restartCount);
          say(`${spec.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms (log: ${logFile})`);
          timer = setTimeout(launch, delay);
        });
      });
    };
    launch();

    const service: Service = {
      spec,
      logFile,
      pid: () => child?.pid,
      restarts: () => restartCount,
      launches: () => launchCount,
      kill(signal) {
        child?.kill(signal);
      },
      exited: () => exitPromise,
      async stop() {
        stopping = true;
        if (timer) clearTimeout(timer);
        const proc = child;
        if (proc && proc.exitCode === null && proc.signalCode === null) {
          const done = exitPromise;
          proc.kill("SIGTERM");
          const hard = setTimeout(() => proc.kill("SIGKILL"), 5000);
          await done;
          clearTimeout(hard);
        }
        await outputClosed;
        await new Promise<void>((resolve) => log.end(resolve));
      },
    };
    services.set(spec.name, service);
    return service;
  }

  return {
    start,
    get: (name) => services.get(name),
    async stopAll() {
      // All at once: each keeps its own state in Postgres, and none needs another to stop. The
      // chain and the database stop after this, so nothing is left retrying against them.
      await Promise.all([...services.values()].map((service) => service.stop()));
      services.clear();
    },
  };
}

/** Polls `check` until it is true, or throws naming `what` and the log to read. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; logFile?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) {
      // The log's last lines go into the error: CI removes the log's directory with the stack.
      const tail = options.logFile ? await logTail(options.logFile, 30) : "";
      throw new Error(`timed out waiting for ${what}${options.logFile ? ` (see ${options.logFile})${tail}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}

async function logTail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  const last = text.trimEnd().split("\n").slice(-lines).join("\n");
  return last ? `; its last lines:\n${last}` : "";
}

export async function httpOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}
