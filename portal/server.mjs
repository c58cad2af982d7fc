// The portal's server: Astro's standalone handler (static files, then pages), with a fast path in
// front that answers a page already rendered at the current indexed height straight from memory
// (src/middleware.ts keeps them), so a cache hit costs no more than a plain Node response.
// Run `npm run build` first; HOST and PORT as for Astro's own entry (default 127.0.0.1:4321).
import http from "node:http";

process.env.ASTRO_NODE_AUTOSTART = "disabled";
const { handler, options } = await import("./dist/server/entry.mjs");
// Astro loads the middleware at the first request; load it now, so the fast path and the security
// headers it publishes (below) are there for the very first request too, a static file included.
await import("./dist/server/virtual_astro_middleware.mjs");
const FAST_PATH = Symbol.for("veritally.portal.cachedAnswer");

const SECURITY_HEADERS = Symbol.for("veritally.portal.securityHeaders");
// Behind a TLS proxy we trust (PORTAL_TRUST_PROXY=true, X-Forwarded-Proto: https), browsers are told to stay on HTTPS.
const trustProxy = process.env.PORTAL_TRUST_PROXY === "true";

const server = http.createServer((req, res) => {
  // The middleware's security headers on everything, also what Astro serves before the middleware
  // runs (static files: /favicon.svg, /_astro/*); pages set them again themselves.
  for (const [name, value] of globalThis[SECURITY_HEADERS] ?? []) res.setHeader(name, value);
  const proto = String(req.headers["x-forwarded-proto"] ?? "")
    .split(",")[0]
    ?.trim()
    .toLowerCase();
  if (trustProxy && proto === "https")
    res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  const cachedAnswer = globalThis[FAST_PATH];
  if (typeof cachedAnswer !== "function" || (req.method !== "GET" && req.method !== "HEAD")) {
    handler(req, res);
    return;
  }
  const ifNoneMatch = req.headers["if-none-match"] ?? null;
  cachedAnswer(req.method, req.url ?? "/", ifNoneMatch).then(
    (answer) => {
      if (!answer) return handler(req, res);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body ?? undefined);
    },
    // The database is down, say: Astro answers with the page that explains it.
    () => handler(req, res),
  );
});

const host = process.env.HOST ?? (typeof options.host === "string" ? options.host : "127.0.0.1");
const port = Number(process.env.PORT ?? options.port ?? 4321);
server.listen(port, host, () => {
  console.log(`portal listening on http://${host}:${port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
