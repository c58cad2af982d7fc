/**
 * Every request passes here:
 * - public GETs are answered per indexed height: an ETag of (build, height, URL), a 304 when the
 *   client has it, and one rendering per URL and height shared by every request (cache.ts);
 * - /admin needs the admin password (session cookie or HTTP basic auth);
 * - a database that is down becomes a 503 page (or JSON under /api), never a stack trace;
 * - security headers on everything.
 */
// astro/middleware is astro:middleware outside Astro's build too, so Vitest can load this file.
import { defineMiddleware } from "astro/middleware";
import { SESSION_COOKIE } from "./lib/admin-auth.js";
import { adminAuth } from "./lib/admin-session.js";
import { cacheControl, createResponseCache, etagFor, ifNoneMatchHits } from "./lib/cache.js";
import { config } from "./lib/config.js";
import { portalData } from "./lib/data.js";
import { DatabaseUnavailableError } from "./lib/db.js";

// Changes with every start, so a new build never answers 304 for an old build's page.
const BUILD = Date.now().toString(36);
const responses = createResponseCache();

// Scripts only from this site (the bundles in /_astro): on /verify, nothing injected could send a
// receipt anywhere (connect-src 'self'). Astro inlines the pages' CSS, hence style-src 'unsafe-inline'.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "object-src 'none'",
].join("; ");

const SECURITY_HEADERS: [string, string][] = [
  ["Content-Security-Policy", CONTENT_SECURITY_POLICY],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "same-origin"],
];

// server.mjs puts the same headers on what Astro serves before any middleware runs (static files).
(globalThis as Record<symbol, unknown>)[Symbol.for("veritally.portal.securityHeaders")] = SECURITY_HEADERS;

function secured(response: Response, extra: Record<string, string> = {}): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** What server.mjs writes for a cache hit: Node-ready status, headers and body. */
export interface FastAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/**
 * The fast path of server.mjs: the kept answer for this URL at the current indexed height,
 * straight from memory, or undefined to let Astro handle the request (which renders and keeps it).
 * Same keys, ETags and headers as the middleware below.
 */
export async function cachedAnswer(
  method: string,
  rawUrl: string,
  ifNoneMatch: string | null,
): Promise<FastAnswer | undefined> {
  const c = config();
  if (!c.cache.enabled) return undefined;
  const url = new URL(rawUrl, "http://portal.invalid");
  if (!isPublicGet(method, url.pathname) || url.pathname.endsWith(".csv")) return undefined;
  const height = await portalData().height();
  const key = url.pathname + url.search;
  const etag = etagFor(BUILD, height, key);
  if (ifNoneMatchHits(ifNoneMatch, etag)) {
    const headers: Record<string, string> = Object.fromEntries(SECURITY_HEADERS);
    headers.etag = etag;
    headers["cache-control"] = cacheControl(c.cache.maxAgeSeconds, c.cache.staleWhileRevalidateSeconds);
    return { status: 304, headers, body: null };
  }
  const hit = responses.peek(key, height);
  if (!hit) return undefined;
  return { status: hit.status, headers: Object.fromEntries(hit.headers), body: method === "HEAD" ? null : hit.body };
}

// server.mjs finds the fast path here: it lives in Astro's bundle, with the cache it reads.
(globalThis as Record<symbol, unknown>)[Symbol.for("veritally.portal.cachedAnswer")] = cachedAnswer;

function isPublicGet(method: string, pathname: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  return !(pathname === "/admin" || pathname.startsWith("/admin/") || pathname === "/unavailable");
}

export const onRequest = defineMiddleware(async (ctx, next) => {
  const { pathname } = ctx.url;
  try {
    if (pathname === "/admin" || pathname.startsWith("/admin/")) {
      const auth = adminAuth();
      if (auth && pathname !== "/admin/login") {
        const session = ctx.cookies.get(SESSION_COOKIE)?.value;
        const header = ctx.request.headers.get("authorization");
        if (!auth.checkSession(session)) {
          if (header) {
            // One limiter for every way in: basic auth counts against the same failures as the form.
            const client = ctx.clientAddress;
            if (auth.blocked(client)) {
              return secured(new Response("too many wrong passwords: wait a quarter of an hour\n", { status: 429 }), {
                "Retry-After": "900",
                "Cache-Control": "no-store",
              });
            }
            if (!auth.checkBasic(header)) {
              auth.recordFailure(client);
              return secured(new Response("wrong admin password\n", { status: 401 }), {
                "WWW-Authenticate": 'Basic realm="Veritally admin", charset="UTF-8"',
                "Cache-Control": "no-store",
              });
            }
          } else {
            return secured(ctx.redirect(`/admin/login?next=${encodeURIComponent(pathname)}`, 303), {
              "Cache-Control": "no-store",
            });
          }
        }
      }
      return secured(await next(), { "Cache-Control": "no-store" });
    }

    const c = config();
    if (!c.cache.enabled || !isPublicGet(ctx.request.method, pathname)) return secured(await next(), {});

    const height = await portalData().height();
    const key = pathname + ctx.url.search;
    const etag = etagFor(BUILD, height, key);
    const caching = {
      ETag: etag,
      "Cache-Control": cacheControl(c.cache.maxAgeSeconds, c.cache.staleWhileRevalidateSeconds),
    };
    if (ifNoneMatchHits(ctx.request.headers.get("if-none-match"), etag)) {
      return secured(new Response(null, { status: 304 }), caching);
    }
    if (pathname.endsWith(".csv")) {
      // Streamed downloads of any size are not kept in memory; the ETag still spares a repeat.
      const response = await next();
      return secured(response, response.status === 200 ? caching : {});
    }
    const cached = await responses.get(key, height, async () => {
      const rendered = await next();
      const body = new Uint8Array(await rendered.arrayBuffer());
      const keep =
        (rendered.status === 200 || rendered.status === 404) &&
        !rendered.headers.has("set-cookie") &&
        rendered.headers.get("cache-control") !== "no-store";
      // The final headers, computed once: a cache hit builds one Response and nothing else.
      const headers = new Map<string, string>();
      for (const [name, value] of rendered.headers) headers.set(name.toLowerCase(), value);
      for (const [name, value] of SECURITY_HEADERS) headers.set(name.toLowerCase(), value);
      if (keep) {
        headers.set("etag", caching.ETag);
        headers.set("cache-control", caching["Cache-Control"]);
      } else {
        headers.set("cache-control", "no-store");
      }
      return { response: { status: rendered.status, headers: [...headers], body }, keep };
    });
    return new Response(ctx.request.method === "HEAD" ? null : (cached.body as BodyInit), {
      status: cached.status,
      headers: cached.headers,
    });
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error;
    // Logged for the operators (the message names the database, never a password).
    console.error(`[portal] ${ctx.request.method} ${pathname}: ${error.message}`);
    if (pathname.startsWith("/api/")) {
      return secured(
        Response.json(
          {
            error: {
              code: "database_unavailable",
              message: `the ${error.database} database is not reachable; try again shortly`,
            },
          },
          { status: 503, headers: { "Retry-After": "10" } },
        ),
        { "Cache-Control": "no-store" },
      );
    }
    ctx.locals.outage = { database: error.database, message: error.message };
    return secured(await ctx.rewrite("/unavailable"));
  }
});
