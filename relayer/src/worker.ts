/**
 * Boots the relayer worker: configuration, migrations, the chain, the signing key (never logged),
 * then the loop. A separate process so it can be killed (even with SIGKILL) and restarted alone.
 * `npm run start:worker -w relayer`.
 */
import { Wallet } from "ethers";
import { createChainContext } from "./chain/context.js";
import { loadConfig, resolveSigningKey } from "./config.js";
import { migrate } from "./db/migrate.js";
import { createDb } from "./db/pool.js";
import { createLog } from "./log.js";
import { createWorker } from "./worker/worker.js";

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    console.error(`relayer worker: ${(error as Error).message}`);
    process.exit(1);
  }
})();
const log = createLog(config.logLevel, "relayer-worker");

try {
  await migrate(config.databaseUrl);
  const db = createDb(config.databaseUrl, 5, "veritally-relayer-worker");
  const chain = await createChainContext(config, db);
  const key = resolveSigningKey(config, chain.chainId);
  if (key.isLocalDefault)
    log("info", "no RELAYER_PRIVATE_KEY: using Hardhat's public test account #1 (chain 31337 only)");
  const worker = createWorker({ config, db, chain, wallet: new Wallet(key.privateKey), log });
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log("info", "stopping", { signal });
      const timer = setTimeout(() => process.exit(1), 10_000);
      worker
        .stop()
        .then(() => db.end())
        .then(() => {
          clearTimeout(timer);
          process.exit(0);
        });
    });
  }
  await worker.start();
  await worker.run();
} catch (error) {
  log("error", "worker stopped", { error: (error as Error).message });
  process.exit(1);
}
