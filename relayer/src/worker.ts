/**
 * Boots the relayer worker: configuration, migrations, the chain, the signing key (never logged),
 * then the loop (see boot/worker.ts). A separate process so it can be killed (even with SIGKILL)
 * and restarted alone. `npm run start:worker -w relayer`.
 */
import { startWorker } from "./boot/worker.js";
import { loadConfig } from "./config.js";
import { createLog } from "./log.js";

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
  const handle = await startWorker(process.env);
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log("info", "stopping", { signal });
      const timer = setTimeout(() => process.exit(1), 10_000);
      handle.stop().then(() => {
        clearTimeout(timer);
        process.exit(0);
      });
    });
  }
  await handle.done;
} catch (error) {
  log("error", "worker stopped", { error: (error as Error).message });
  process.exit(1);
}
