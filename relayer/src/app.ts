/**
 * The relayer's HTTP API as one Fastify plugin (the fastify/demo layout): external plugins,
 * then the app's own (config, database, chain, services, auth), then the routes. server.ts boots
 * it; tests build it with `buildApp` and use `app.inject`.
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import ajvFormats from "ajv-formats";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import fp from "fastify-plugin";
import type { ChainContext } from "./chain/context.js";
import type { Config } from "./config.js";
import type { Db } from "./db/pool.js";
import authPlugin from "./plugins/auth.js";
import chainPlugin from "./plugins/chain.js";
import configPlugin from "./plugins/config.js";
import dbPlugin from "./plugins/db.js";
import errorsPlugin from "./plugins/errors.js";
import jsonBodyPlugin from "./plugins/json-body.js";
import securityPlugin from "./plugins/security.js";
import servicesPlugin from "./plugins/services.js";
import swaggerPlugin from "./plugins/swagger.js";
import adminRoutes from "./routes/admin.js";
import clientRoutes from "./routes/client.js";
import healthRoutes from "./routes/health.js";
import voteRoutes from "./routes/votes.js";
import "./types.js";

export interface AppOptions {
  config: Config;
  /** Tests may pass their own pool or chain context (otherwise made from the config). */
  db?: Db;
  chain?: ChainContext;
  /**
   * The API's clock (ms): the caches' expiry (API keys, elections, pause flags) and whether an
   * election's intake is open. Date.now by default; tests move their own.
   */
  now?: () => number;
}

export const relayerApp = fp<AppOptions>(
  async (app, opts) => {
    await app.register(configPlugin, { config: opts.config });
    await app.register(errorsPlugin);
    await app.register(jsonBodyPlugin);
    await app.register(swaggerPlugin);
    await app.register(dbPlugin, opts.db ? { db: opts.db } : {});
    await app.register(chainPlugin, opts.chain ? { chain: opts.chain } : {});
    await app.register(servicesPlugin, opts.now ? { now: opts.now } : {});
    await app.register(authPlugin);
    await app.register(securityPlugin);

    await app.register(healthRoutes);
    await app.register(voteRoutes);
    await app.register(clientRoutes);
    await app.register(adminRoutes, { prefix: "/v1/admin" });
  },
  { name: "relayer-app" },
);
export default relayerApp;

/** Fastify's own options: strict schemas (unknown fields refused, no type coercion), limits, redaction. */
export function serverOptions(config: Config): FastifyServerOptions {
  return {
    logger:
      config.logLevel === "silent"
        ? false
        : {
            level: config.logLevel,
            redact: {
              paths: [
                "req.headers.authorization",
                "req.headers.cookie",
                "*.privateKey",
                "*.RELAYER_PRIVATE_KEY",
                "*.key",
              ],
              censor: "[redacted]",
            },
          },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 72_000,
    // Long enough that an over-long id reaches its schema and gets a 400 naming the field, not a 404.
    routerOptions: { maxParamLength: 4096 },
    return503OnClosing: true,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
      // ajv-formats is CommonJS: its default export is the plugin function.
      plugins: [(ajvFormats.default ?? ajvFormats) as never],
    },
  };
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(opts.config)).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(relayerApp, opts);
  await app.ready();
  return app as unknown as FastifyInstance;
}
