/** Starts the relayer worker from an environment: configuration, migrations, chain, signing key, loop. */
import { Wallet } from "ethers";
import { createChainContext } from "../chain/context.js";
import { type Config, loadConfig, resolveSigningKey } from "../config.js";
import { migrate } from "../db/migrate.js";
import { createDb } from "../db/pool.js";
import { createLog, type Log } from "../log.js";
import { createWorker, type Worker } from "../worker/worker.js";

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
