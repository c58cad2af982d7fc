/**
 * The GraphQL server (Subsquid's, over schema.graphql), bound to 127.0.0.1 unless GQL_HOST says
 * otherwise: Subsquid's server listens on every interface and has no host setting, but passes its
 * port to Node's listen() as it is, which takes {port, host}.
 */

import { pathToFileURL } from "node:url";
import { Server } from "@subsquid/graphql-server/lib/server.js";
import { createLogger } from "@subsquid/logger";
import { VeritallyError } from "@veritally/contracts";
import { type GraphqlConfig, loadGraphqlConfig } from "./config.js";
import { redactUrl } from "./database-url.js";
import { applyMigrations, repoRoot } from "./db.js";

export interface RunningGraphql {
  port: number;
  close(): Promise<void>;
}

export async function startGraphqlServer(config: GraphqlConfig): Promise<RunningGraphql> {
  // The server reads its database from DB_URL (typeorm-config); set it to the one resolved here.
  process.env.DB_URL = config.databaseUrl;
  // Tables must exist before the server starts answering (the processor may start later).
  await applyMigrations(config.databaseUrl);
  const server = new Server({
    dir: repoRoot,
    log: createLogger("sqd:graphql-server"),
    maxRequestSizeBytes: 256 * 1024,
    maxRootFields: 20,
    maxResponseNodes: config.maxResponseNodes || undefined,
    sqlStatementTimeout: 10_000,
  });
  (server as unknown as { port(): unknown }).port = () => ({ port: config.port, host: config.host });
  const listening = await server.start();
  return { port: listening.port, close: () => listening.close() };
}

/** `npm run serve -w indexer`: serves until SIGINT or SIGTERM (or `signal`); returns the exit code. */
export async function runGraphqlCli(env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<number> {
  const log = createLogger("veritally:graphql");
  let server: RunningGraphql;
  let config: GraphqlConfig;
  try {
    config = loadGraphqlConfig(env);
    server = await startGraphqlServer(config);
  } catch (error) {
    if (error instanceof VeritallyError) log.fatal(error.message);
    else log.fatal(error as Error);
    return 1;
  }
  log.info(`GraphQL on http://${config.host}:${server.port}/graphql, reading ${redactUrl(config.databaseUrl)}`);
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    signal?.addEventListener("abort", done, { once: true });
  });
  await server.close().catch(() => {});
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await runGraphqlCli());
