/**
 * Security headers (helmet) and rate limits: per voting client (its own limit or
 * RATE_LIMIT_PER_MINUTE), per IP for requests without a client (the public status route),
 * counted after authentication so a client is limited by its key, not its address.
 */
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import fp from "fastify-plugin";
import { HttpError } from "../http-errors.js";

const UNLIMITED = /^\/(health|ready|metrics|docs)(\/|$|\?)/;

export default fp(
  async (app) => {
    await app.register(helmet, {
      // The Swagger UI at /docs needs inline styles and scripts; the API answers JSON only.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'unsafe-inline'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          frameAncestors: ["'none'"],
        },
      },
      hsts: { maxAge: 31_536_000, includeSubDomains: true },
    });
    await app.register(rateLimit, {
      global: true,
      hook: "preHandler",
      timeWindow: 60_000,
      keyGenerator: (request) => (request.client ? `client:${request.client.clientId}` : `ip:${request.ip}`),
      max: (request) =>
        request.client
          ? (request.client.rateLimitPerMinute ?? app.config.rateLimitPerMinute)
          : app.config.rateLimitUnauthenticatedPerMinute,
      allowList: (request) => UNLIMITED.test(request.url),
      errorResponseBuilder: (_request, context) =>
        new HttpError(429, "rate_limited", `rate limit of ${context.max} requests per minute reached`, {
          "retry-after": String(Math.ceil(context.ttl / 1000)),
        }),
    });
  },
  { name: "security", dependencies: ["config"] },
);
