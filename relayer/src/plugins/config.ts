import fp from "fastify-plugin";
import type { Config } from "../config.js";

/** The validated configuration as `app.config` (validated at boot by loadConfig). */
export default fp<{ config: Config }>(
  async (app, opts) => {
    app.decorate("config", opts.config);
  },
  { name: "config" },
);
