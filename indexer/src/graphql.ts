/**
 * The GraphQL endpoint: Subsquid's server (over schema.graphql) on an internal 127.0.0.1 port,
 * behind our guard (graphql-guard.ts) on GQL_HOST:GQL_PORT (127.0.0.1 by default), which refuses
 * over-limit queries and keeps internals out of the answers. Subsquid's server listens on every
 * interface and has no host setting, but passes its port to Node's listen() as it is, which takes
 * {port, host}.
 */

import { pathToFileURL } from "node:url";
import { Server } from "@subsquid/graphql-server/lib/server.js";
import { createLogger } from "@subsquid/logger";
import { VeritallyError } from "@veritally/contracts";
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from "graphql";
import { type GraphqlConfig, loadGraphqlConfig } from "./config.js";
import { redactUrl } from "./database-url.js";
import { applyMigrations, repoRoot } from "./db.js";
import { startGraphqlGuard } from "./graphql-guard.js";
import type { QueryLimits } from "./graphql-limits.js";
import { listenOnLoopback } from "./subsquid/index.js";

export interface RunningGraphql {
  port: number;
  close(): Promise<void>;
}

/** `limits`: the guard's, over its defaults (tests lower them). */
export async function startGraphqlServer(
  config: GraphqlConfig,
  limits?: Partial<QueryLimits>,
): Promise<RunningGraphql> {
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
  listenOnLoopback(server);
  const listening = await server.start();
  try {
    const guard = await startGraphqlGuard({
      host: config.host,
      port: config.port,
      upstreamPort: listening.port,
      schema: await upstreamSchema(listening.port),
      limits,
    });
    return {
      port: guard.port,
      close: async () => {
        await guard.close();
        await listening.close();
      },
    };
  } catch (error) {
    await listening.close();
    throw error;
  }
}

/** The schema Subsquid generated, for the guard's field types: read back by introspection. */
async function upstreamSchema(port: number) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const body = (await response.json()) as { data?: IntrospectionQuery };
  if (!body.data) throw new Error(`the GraphQL server did not describe its schema (HTTP ${response.status})`);
  return buildClientSchema(body.data);
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
