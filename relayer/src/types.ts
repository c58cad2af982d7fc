/** What the plugins add to Fastify's instance and request. */
import type { ChainContext } from "./chain/context.js";
import type { Config } from "./config.js";
import type { Db } from "./db/pool.js";
import type { ApiKeyVerifier, ClientPrincipal } from "./services/api-keys.js";
import type { Control } from "./services/control.js";
import type { ElectionDirectory } from "./services/elections.js";
import type { VoteWriter } from "./services/vote-writer.js";
import type { VoteService } from "./services/votes.js";

export interface Services {
  keys: ApiKeyVerifier;
  elections: ElectionDirectory;
  control: Control;
  writer: VoteWriter;
  votes: VoteService;
}

declare module "fastify" {
  interface FastifyInstance {
    config: Config;
    db: Db;
    chain: ChainContext;
    services: Services;
    /** onRequest hook: a voting client's API key. */
    authenticateClient: (request: FastifyRequest) => Promise<void>;
    /** onRequest hook: the admin key. */
    authenticateAdmin: (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    client: ClientPrincipal | null;
    /** Set once the admin key was checked. */
    admin: boolean;
  }
}
