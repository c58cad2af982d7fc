import fp from "fastify-plugin";
import { type ChainContext, createChainContext } from "../chain/context.js";

/** The chain (RPC pool, chain id, registry) as `app.chain`, checked against the database at boot. */
export default fp<{ chain?: ChainContext }>(
  async (app, opts) => {
    const chain = opts.chain ?? (await createChainContext(app.config, app.db));
    app.decorate("chain", chain);
    app.addHook("onClose", async () => chain.provider.destroy());
  },
  { name: "chain", dependencies: ["config", "db"] },
);
