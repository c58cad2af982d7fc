/** Starts the relayer API from an environment: configuration, optional migrations, Fastify on HOST:PORT. */
import type { FastifyInstance } from "fastify";
import { buildApp } from "../app.js";
import { type Config, loadConfig } from "../config.js";
import { migrate } from "../db/migrate.js";

export interface ApiHandle {
  app: FastifyInstance;
  config: Config;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/** A bad variable throws with its name before anything starts. `migrate: false` in cluster children. */
export async function startApi(
  env: NodeJS.ProcessEnv = process.env,
  options: { migrate?: boolean } = {},
): Promise<ApiHandle> {
  const config = loadConfig(env);
  if (options.migrate ?? true) await migrate(config.databaseUrl);
  const app = await buildApp({ config });
  const url = await app.listen({ host: config.host, port: config.port });
  return { app, config, url, close: () => app.close() };
}
