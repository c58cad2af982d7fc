/** Starts the relayer API from an environment: configuration, optional migrations, Fastify on HOST:PORT. */
import nodeCluster, { type Cluster } from "node:cluster";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../app.js";
import { type Config, loadConfig } from "../config.js";
import { migrate } from "../db/migrate.js";
import { superviseApi } from "./cluster.js";
import { type ProcessIo, stopOnSignal } from "./process.js";

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

export interface ApiCommandOptions extends ProcessIo {
  env?: NodeJS.ProcessEnv;
  /** `node:cluster` by default. */
  cluster?: Cluster;
  /** Where the command's own errors go; stderr by default. */
  error?: (line: string) => void;
}

/**
 * `npm run start:api -w relayer` (src/server.ts): the primary checks the configuration and
 * migrates, then serves, or with API_PROCESSES > 1 supervises that many forked API processes
 * (which run this again as cluster workers and serve). The first SIGINT/SIGTERM closes the server
 * and exits 0 (1 after 10 s); a bad variable or a failed start exits 1 with its message.
 */
export async function runApiCommand(options: ApiCommandOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const cluster = options.cluster ?? nodeCluster;
  const error = options.error ?? ((line: string) => console.error(line));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const serve = async () => {
    // The stop is in place before the server listens: a SIGTERM that comes as soon as the port
    // answers (a cluster stopping right after its processes are up) must close in order and
    // exit 0, not end the process by the signal's default action.
    let handle: ApiHandle | undefined;
    stopOnSignal({
      stop: async () => {
        await handle?.close();
      },
      onSignal: (signal) => handle?.app.log.info({ signal }, "closing"),
      signals: options.signals,
      exit,
    });
    handle = await startApi(env, { migrate: false });
  };
  try {
    if (!cluster.isPrimary) return await serve();
    const config = loadConfig(env);
    await migrate(config.databaseUrl);
    if (config.apiProcesses <= 1) return await serve();
    superviseApi({ processes: config.apiProcesses, env, cluster, log: error, signals: options.signals, exit });
  } catch (e) {
    error(`relayer API: ${(e as Error).message}`);
    exit(1);
  }
}
