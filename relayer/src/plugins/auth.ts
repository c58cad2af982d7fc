/**
 * Bearer authentication: voting clients with their API keys, the operator with ADMIN_API_KEY.
 * Both compare in constant time. Failed attempts are counted per IP; past
 * RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE the IP gets 429 until the minute is over.
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

export default fp(
  async (app) => {
    const { adminApiKey } = requireApiSecrets(app.config);
    const limit = app.config.rateLimitUnauthenticatedPerMinute;
    let window = Math.floor(Date.now() / 60_000);
    let failures = new Map<string, number>();

    function checkBlocked(ip: string): void {
      const now = Math.floor(Date.now() / 60_000);
      if (now !== window) {
        window = now;
        failures = new Map();
      }
      if ((failures.get(ip) ?? 0) >= limit) {
        const retryAfter = 60 - Math.floor((Date.now() / 1000) % 60);
        throw new HttpError(429, "rate_limited", "too many requests without a valid key", {
          "retry-after": String(retryAfter),
        });
      }
    }
    function fail(ip: string): never {
      failures.set(ip, (failures.get(ip) ?? 0) + 1);
      throw unauthorized();
    }

    app.decorateRequest("client", null);
    app.decorate("authenticateClient", async (request: FastifyRequest) => {
      checkBlocked(request.ip);
      const token = bearer(request);
      if (token === null) fail(request.ip);
      const principal = await app.services.keys.verify(token);
      if (!principal) fail(request.ip);
      request.client = principal;
    });
    app.decorate("authenticateAdmin", async (request: FastifyRequest) => {
      checkBlocked(request.ip);
      const token = bearer(request);
      if (token === null || !secretsEqual(token, adminApiKey)) fail(request.ip);
    });
  },
  { name: "auth", dependencies: ["config", "services"] },
);
