/**
 * Boots the relayer API: configuration (a bad variable stops here with its name), migrations,
 * then Fastify on HOST:PORT. `npm run start:api -w relayer`.
 */
import { buildApp } from "./app.js";
import { loadConfig } from "./config.js";
import { migrate } from "./db/migrate.js";

try {
  const config = loadConfig();
  await migrate(config.databaseUrl);
  const app = await buildApp({ config });
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
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  console.error(`relayer API: ${(error as Error).message}`);
  process.exit(1);
}
