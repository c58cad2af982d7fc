// The portal's server: Astro's standalone handler (static files, then pages), with a fast path in
// front that answers a page already rendered at the current indexed height straight from memory
// (src/middleware.ts keeps them), so a cache hit costs no more than a plain Node response.
// Text goes out compressed (brotli or gzip, as the browser accepts): the built scripts and styles
// once per file, kept in memory; cached pages once per rendering.
// Run `npm run build` first; HOST and PORT as for Astro's own entry (default 127.0.0.1:4321).
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

process.env.ASTRO_NODE_AUTOSTART = "disabled";
const { handler, options } = await import("./dist/server/entry.mjs");
// Astro loads the middleware at the first request; load it now, so the fast path and the security
// headers it publishes (below) are there for the very first request too, a static file included.
await import("./dist/server/virtual_astro_middleware.mjs");
const FAST_PATH = Symbol.for("veritally.portal.cachedAnswer");

const SECURITY_HEADERS = Symbol.for("veritally.portal.securityHeaders");
// Behind a TLS proxy we trust (PORTAL_TRUST_PROXY=true, X-Forwarded-Proto: https), browsers are told to stay on HTTPS.
const trustProxy = process.env.PORTAL_TRUST_PROXY === "true";

const clientRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "dist", "client");
const STATIC_TYPES = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** "br", "gzip" or null: what the request accepts, brotli first. */
function encodingFor(req) {
  const accepted = String(req.headers["accept-encoding"] ?? "");
  if (/\bbr\b/.test(accepted)) return "br";
  if (/\bgzip\b/.test(accepted)) return "gzip";
  return null;
}

function compress(body, encoding, strong) {
  return encoding === "br"
    ? zlib.brotliCompressSync(body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: strong ? 11 : 5,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
        },
      })
    : zlib.gzipSync(body, { level: strong ? 9 : 6 });
}

// Built assets by path: their bytes and each encoding, compressed once (the build never changes under a running server).
const staticFiles = new Map();
async function staticAsset(urlPath, encoding) {
  const type = STATIC_TYPES[path.extname(urlPath)];
  if (!type || !(urlPath.startsWith("/_astro/") || urlPath === "/favicon.svg")) return undefined;
  const file = path.join(clientRoot, path.normalize(decodeURIComponent(urlPath)));
  if (!file.startsWith(clientRoot + path.sep)) return undefined;
  let entry = staticFiles.get(file);
  if (!entry) {
    const body = await readFile(file).catch(() => null);
    if (!body) return undefined;
    entry = { type, body, encoded: {} };
    staticFiles.set(file, entry);
  }
  if (encoding && entry.body.byteLength > 1024) {
    entry.encoded[encoding] ??= compress(entry.body, encoding, true);
    return { type: entry.type, body: entry.encoded[encoding], encoding };
  }
  return { type: entry.type, body: entry.body, encoding: null };
}

// Compressed bodies of cached answers, as long as the cache keeps the answer (same bytes object).
const compressedAnswers = new WeakMap();
function compressedAnswer(body, encoding) {
  let entry = compressedAnswers.get(body);
  if (!entry) {
    entry = {};
    compressedAnswers.set(body, entry);
  }
  entry[encoding] ??= compress(body, encoding, false);
  return entry[encoding];
}

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
  if (req.method !== "GET" && req.method !== "HEAD") {
    handler(req, res);
    return;
  }
  const encoding = encodingFor(req);
  const urlPath = (req.url ?? "/").split("?")[0] ?? "/";
  if (urlPath.startsWith("/_astro/") || urlPath === "/favicon.svg") {
    staticAsset(urlPath, encoding).then(
      (asset) => {
        if (!asset) return handler(req, res);
        const headers = {
          "Content-Type": asset.type,
          "Content-Length": String(asset.body.byteLength),
          // Hashed file names: a new build has new names.
          "Cache-Control": urlPath.startsWith("/_astro/")
            ? "public, max-age=31536000, immutable"
            : "public, max-age=3600",
          Vary: "Accept-Encoding",
        };
        if (asset.encoding) headers["Content-Encoding"] = asset.encoding;
        res.writeHead(200, headers);
        res.end(req.method === "HEAD" ? undefined : asset.body);
      },
      () => handler(req, res),
    );
    return;
  }
  const cachedAnswer = globalThis[FAST_PATH];
  if (typeof cachedAnswer !== "function") {
    handler(req, res);
    return;
  }
  const ifNoneMatch = req.headers["if-none-match"] ?? null;
  cachedAnswer(req.method, req.url ?? "/", ifNoneMatch).then(
    (answer) => {
      if (!answer) return handler(req, res);
      const type = String(answer.headers["content-type"] ?? "");
      if (answer.body && encoding && answer.body.byteLength > 1024 && /^(text\/|application\/json)/.test(type)) {
        const body = compressedAnswer(answer.body, encoding);
        res.writeHead(answer.status, {
          ...answer.headers,
          "content-encoding": encoding,
          "content-length": String(body.byteLength),
          vary: "Accept-Encoding",
        });
        res.end(body);
        return;
      }
      res.writeHead(answer.status, { ...answer.headers, vary: "Accept-Encoding" });
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
