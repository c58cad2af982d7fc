import fp from "fastify-plugin";
import { createDb, type Db } from "../db/pool.js";

/** The Postgres pool as `app.db`; closed with the app. */
export default fp<{ db?: Db }>(
  async (app, opts) => {
    const db = opts.db ?? createDb(app.config.databaseUrl, app.config.dbPoolMax, "veritally-relayer-api");
    app.decorate("db", db);
    if (!opts.db) app.addHook("onClose", async () => db.end());
  },
  { name: "db", dependencies: ["config"] },
);
