import fp from "fastify-plugin";
import { requireApiSecrets } from "../config.js";
import { createApiKeyVerifier } from "../services/api-keys.js";
import { createControl } from "../services/control.js";
import { createElectionDirectory } from "../services/elections.js";
import { createVoteHasher } from "../services/vote-hasher.js";
import { createVoteWriter } from "../services/vote-writer.js";
import { createVoteService } from "../services/votes.js";

/** The API's services as `app.services`. */
export default fp<{ now?: () => number }>(
  async (app, opts) => {
    const now = opts.now ?? Date.now;
    const { voterIdSecret } = requireApiSecrets(app.config);
    const keys = createApiKeyVerifier(app.db, app.config.apiKeyCacheMs, undefined, now);
    const elections = createElectionDirectory(app.db, app.chain.registry, app.config.electionCacheMs, undefined, now);
    const control = createControl(app.db, app.config.electionCacheMs, now);
    const writer = createVoteWriter(app.db, { maxConcurrent: Math.max(1, Math.floor(app.config.dbPoolMax / 4)) });
    const hasher = createVoteHasher(app.config.voteHashThreads);
    app.addHook("onClose", async () => hasher.close());
    const votes = createVoteService({
      db: app.db,
      writer,
      elections,
      control,
      chainId: app.chain.chainId,
      registryAddress: app.chain.registryAddress,
      voterIdSecret,
      voterIdCase: app.config.voterIdCase,
      hasher,
      now,
    });
    app.decorate("services", { keys, elections, control, writer, votes });
  },
  { name: "services", dependencies: ["config", "db", "chain"] },
);
