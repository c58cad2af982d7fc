/**
 * What every operation of the API document says the same way, applied to each route's schema as
 * @fastify/swagger builds the document: an operationId from the method and path, which key it
 * takes (a voting client's or the admin's; none for the public ones), and the error answers every
 * operation can give.
 */
import { errorRef } from "../schemas.js";

type RouteSchema = Record<string, unknown> & { response?: Record<string, unknown> };

/** getV1VotesByRef, postV1AdminElectionsByElectionIdClose, … */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split("/")
    .filter(Boolean)
    .map((part) => (part.startsWith(":") ? `By ${part.slice(1)}` : part))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1))].join("");
}

/** The key an operation takes: the admin key under /v1/admin, a client's key under /v1/elections and /v1/client. */
export function securityOf(url: string): Record<string, string[]>[] {
  if (url.startsWith("/v1/admin")) return [{ adminKey: [] }];
  if (url.startsWith("/v1/elections/") || url.startsWith("/v1/client")) return [{ clientKey: [] }];
  return [];
}

export function withConventions(method: string, url: string, schema: RouteSchema | undefined): RouteSchema {
  const s: RouteSchema = { ...(schema ?? {}) };
  s.operationId ??= operationIdOf(method, url);
  s.security = securityOf(url);
  const response: Record<string, unknown> = { ...(s.response ?? {}) };
  const has4xx = Object.keys(response).some((code) => code.startsWith("4"));
  if ((s.security as unknown[]).length > 0 && !("401" in response)) {
    response["401"] = { ...errorRef, description: "The key is missing, unknown or of the other kind." };
  }
  if (!has4xx && !("401" in response)) {
    response["4XX"] = { ...errorRef, description: "The request could not be read (for example headers too large)." };
  }
  s.response = response;
  return s;
}
