/**
 * Boots the relayer API: configuration (a bad variable stops here with its name), migrations,
 * then Fastify on HOST:PORT. With API_PROCESSES > 1 it forks that many processes sharing the
 * port (node:cluster): the API is stateless apart from short caches, so it scales out like that
 * or across machines. `npm run start:api -w relayer`.
 */
import cluster from "node:cluster";
import { startApi } from "./boot/api.js";
import { loadConfig } from "./config.js";
import { migrate } from "./db/migrate.js";

async function serve(): Promise<void> {
  const { app } = await startApi(process.env, { migrate: false });
  let closing = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, "closing");
      const timer = setTimeout(() => process.exit(1), 10_000);
      app.close().then(
        () => {
          clearTimeout(timer);
          process.exit(0);
        },
        () => process.exit(1),
      );
    });
  }
}

try {
  if (cluster.isPrimary) {
    const config = loadConfig();
    await migrate(config.databaseUrl);
    const processes = config.apiProcesses;
    if (processes <= 1) {
      await serve();
    } else {
      let stopping = false;
      const fork = () => cluster.fork();
      cluster.on("exit", (worker, code, signal) => {
        if (stopping) return;
        console.error(`relayer API process ${worker.process.pid} exited (${signal ?? code}); starting another`);
        setTimeout(fork, 1000);
      });
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
          stopping = true;
          for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
          setTimeout(() => process.exit(0), 11_000).unref();
          cluster.on("exit", () => {
            if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
          });
        });
      }
      for (let i = 0; i < processes; i++) fork();
    }
  } else {
    await serve();
  }
} catch (error) {
  console.error(`relayer API: ${(error as Error).message}`);
  process.exit(1);
}
