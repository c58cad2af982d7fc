/**
 * API_PROCESSES > 1: the primary forks that many API processes sharing the port (node:cluster),
 * starts another one a second after one dies, and on SIGINT/SIGTERM sends SIGTERM to all of them
 * and exits once they are gone (or after 11 s; each one gives itself 10 s to close).
 */
import nodeCluster, { type Cluster, type Worker } from "node:cluster";
import { type ProcessIo, stopOnSignal } from "./process.js";

export interface ApiClusterOptions {
  processes: number;
  /** The environment of the forked processes (added to this process's). */
  env?: NodeJS.ProcessEnv;
  /** `node:cluster` by default; its setupPrimary() decides what the forks run. */
  cluster?: Cluster;
  restartDelayMs?: number;
  /** stop() resolves after this long even if some process has not exited. */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ApiCluster {
  /** Process ids of the API processes running now. */
  pids(): number[];
  /** Replacements scheduled and not forked yet (none after stop()). */
  pendingRestarts(): number;
  /** SIGTERM to every API process; resolves when all have exited (or after stopTimeoutMs). No restarts after it. */
  stop(): Promise<void>;
}

export function createApiCluster(options: ApiClusterOptions): ApiCluster {
  const cluster = options.cluster ?? nodeCluster;
  const restartDelayMs = options.restartDelayMs ?? 1000;
  const log = options.log ?? ((line: string) => console.error(line));
  const live = new Set<Worker>();
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let allGone: (() => void) | undefined;

  const fork = () => {
    live.add(cluster.fork(options.env));
  };
  const onExit = (worker: Worker, code: number | null, signal: string | null) => {
    if (!live.delete(worker)) return; // not one of ours
    if (stopping) {
      if (live.size === 0) allGone?.();
      return;
    }
    log(`relayer API process ${worker.process.pid} exited (${signal ?? code}); starting another`);
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!stopping) fork();
    }, restartDelayMs);
    restarts.add(timer);
  };
  cluster.on("exit", onExit);
  for (let i = 0; i < options.processes; i++) fork();

  return {
    pids: () => [...live].flatMap((w) => (w.process.pid === undefined ? [] : [w.process.pid])),
    pendingRestarts: () => restarts.size,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        stopping = true;
        for (const timer of restarts) clearTimeout(timer);
        restarts.clear();
        const timer = setTimeout(done, options.stopTimeoutMs ?? 11_000);
        timer.unref();
        function done() {
          clearTimeout(timer);
          cluster.off("exit", onExit);
          resolve();
        }
        allGone = done;
        if (live.size === 0) done();
        for (const worker of live) worker.process.kill("SIGTERM");
      });
      return stopped;
    },
  };
}

/** The primary of `npm run start:api` with API_PROCESSES > 1: the cluster, stopped by the first signal (exit 0). */
export function superviseApi(options: ApiClusterOptions & ProcessIo): ApiCluster {
  const api = createApiCluster(options);
  stopOnSignal({
    stop: () => api.stop(),
    signals: options.signals,
    exit: options.exit,
    // stop() gives up waiting after stopTimeoutMs; exit 0 then, as before.
    timeoutMs: (options.stopTimeoutMs ?? 11_000) + 1000,
  });
  return api;
}
