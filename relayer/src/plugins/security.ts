/**
 * Security headers and rate limits. The headers are helmet's, computed once at boot (they do not
 * depend on the request) and set on every answer: @fastify/helmet would rebuild them per request,
 * a measurable share of the intake path. Rate limits: per voting client (its own limit or
 * RATE_LIMIT_PER_MINUTE), per IP for requests without a client (the public status route),
 * counted after authentication so a client (or the admin key) is limited by its key, not its address.
 */

import rateLimit from "@fastify/rate-limit";
import fp from "fastify-plugin";
import helmet, { type HelmetOptions } from "helmet";
import { HttpError } from "../http-errors.js";

const UNLIMITED = /^\/(health|ready|metrics|docs)(\/|$|\?)/;

export default fp(
  async (app) => {
    const headers = securityHeaders({
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
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    });
    app.addHook("onRequest", (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
    await app.register(rateLimit, {
      global: true,
      hook: "preHandler",
      timeWindow: 60_000,
      // A valid key is limited as itself (its client, or the admin key), never by its address.
      keyGenerator: (request) =>
        request.client ? `client:${request.client.clientId}` : request.admin ? "admin" : `ip:${request.ip}`,
      max: (request) =>
        request.client
          ? (request.client.rateLimitPerMinute ?? app.config.rateLimitPerMinute)
          : request.admin
            ? app.config.rateLimitPerMinute
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

/** Runs helmet once against a stand-in response and keeps the headers it sets. */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as never, response as never, () => {});
  return headers;
}
