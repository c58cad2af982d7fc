/**
 * Boots the relayer worker: configuration, migrations, the chain, the signing key (never logged),
 * then the loop (see boot/worker.ts). A separate process so it can be killed (even with SIGKILL)
 * and restarted alone. `npm run start:worker -w relayer`.
 */
import { runWorkerCommand } from "./boot/worker.js";

await runWorkerCommand();
