/** Starts the relayer worker from an environment: configuration, migrations, chain, signing key, loop. */
import { Wallet } from "ethers";
import { createChainContext } from "../chain/context.js";
import { type Config, loadConfig, resolveSigningKey } from "../config.js";
import { migrate } from "../db/migrate.js";
import { createDb } from "../db/pool.js";
import { createLog, type Log } from "../log.js";
import { createWorker, type Worker } from "../worker/worker.js";
import { type ProcessIo, stopOnSignal } from "./process.js";

export interface WorkerHandle {
  worker: Worker;
  config: Config;
  log: Log;
  /** Settles when the loop ends: after stop(), or rejected when it fails. */
  done: Promise<void>;
  /** Stops the loop and closes the pool and the chain connection. */
  stop(): Promise<void>;
}

/** A bad variable throws with its name before anything starts; the key is never logged. */
export async function startWorker(
  env: NodeJS.ProcessEnv = process.env,
  write?: (line: string) => void,
): Promise<WorkerHandle> {
  const config = loadConfig(env);
  const log = createLog(config.logLevel, "relayer-worker", write);
  await migrate(config.databaseUrl);
  const db = createDb(config.databaseUrl, 5, "veritally-relayer-worker");
  try {
    const chain = await createChainContext(config, db);
    const key = resolveSigningKey(config, chain.chainId);
    if (key.isLocalDefault)
      log("info", "no RELAYER_PRIVATE_KEY: using Hardhat's public test account #1 (chain 31337 only)");
    const worker = createWorker({ config, db, chain, wallet: new Wallet(key.privateKey), log });
    await worker.start();
    const done = worker.run();
    let stopped: Promise<void> | undefined;
    return {
      worker,
      config,
      log,
      done,
      stop() {
        stopped ??= (async () => {
          await worker.stop();
          await done.catch(() => {});
          chain.provider.destroy();
          await db.end();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await db.end();
    throw error;
  }
}

export interface WorkerCommandOptions extends ProcessIo {
  env?: NodeJS.ProcessEnv;
  /** Where log lines go; stdout by default. */
  write?: (line: string) => void;
  /** Where a configuration error goes; stderr by default. */
  error?: (line: string) => void;
}

/**
 * `npm run start:worker -w relayer` (src/worker.ts): starts the worker; the first SIGINT/SIGTERM
 * stops it in order and exits 0 (1 after 10 s). A bad variable, a failed start or a loop that ends
 * on its own (the signing key's lock lost) exits 1.
 */
export async function runWorkerCommand(options: WorkerCommandOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    (options.error ?? ((line: string) => console.error(line)))(`relayer worker: ${(error as Error).message}`);
    return exit(1);
  }
  const log = createLog(config.logLevel, "relayer-worker", options.write);
  let handle: WorkerHandle | undefined;
  try {
    handle = await startWorker(env, options.write);
    const started = handle;
    stopOnSignal({
      stop: () => started.stop(),
      onSignal: (signal) => log("info", "stopping", { signal }),
      signals: options.signals,
      exit,
    });
    await handle.done;
  } catch (error) {
    log("error", "worker stopped", { error: (error as Error).message });
    await handle?.stop().catch(() => {});
    exit(1);
  }
}
