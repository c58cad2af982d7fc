/**
 * Bearer authentication: voting clients with their API keys, the operator with ADMIN_API_KEY.
 * Both compare in constant time.
 *
 * The key is checked first. A valid key is never refused for failures: the failure counter only
 * counts requests without a valid key, per IP, and past RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE
 * only those requests get 429 until the minute is over. Behind a proxy every front end shares an
 * address, so an attacker guessing keys must not stop the front ends that hold real ones. Valid
 * keys have their own limits in the security plugin (per client, and one for the admin key).
 */
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { requireApiSecrets } from "../config.js";
import { HttpError, unauthorized } from "../http-errors.js";
import { secretsEqual } from "../services/api-keys.js";

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== "string") return null;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  return match ? (match[1] as string) : null;
}

/** Counts failed attempts per IP in the current minute; the clock is injectable for tests. */
export function createFailureCounter(limit: number, now: () => number = Date.now) {
  let window = Math.floor(now() / 60_000);
  let failures = new Map<string, number>();
  const roll = () => {
    const current = Math.floor(now() / 60_000);
    if (current !== window) {
      window = current;
      failures = new Map();
    }
  };
  return {
    /** Records a failure; throws 429 once the IP is past the limit, 401 otherwise. */
    fail(ip: string): never {
      roll();
      const count = (failures.get(ip) ?? 0) + 1;
      failures.set(ip, count);
      if (count > limit) {
        const retryAfter = 60 - Math.floor((now() / 1000) % 60);
        throw new HttpError(429, "rate_limited", "too many requests without a valid key", {
          "retry-after": String(retryAfter),
        });
      }
      throw unauthorized();
    },
  };
}

export default fp(
  async (app) => {
    const { adminApiKey } = requireApiSecrets(app.config);
    const counter = createFailureCounter(app.config.rateLimitUnauthenticatedPerMinute);

    app.decorateRequest("client", null);
    app.decorateRequest("admin", false);
    app.decorate("authenticateClient", async (request: FastifyRequest) => {
      const token = bearer(request);
      const principal = token === null ? null : await app.services.keys.verify(token);
      if (!principal) counter.fail(request.ip);
      request.client = principal;
    });
    app.decorate("authenticateAdmin", async (request: FastifyRequest) => {
      const token = bearer(request);
      if (token === null || !secretsEqual(token, adminApiKey)) counter.fail(request.ip);
      request.admin = true;
    });
  },
  { name: "auth", dependencies: ["config", "services"] },
);
