// @ts-check
import node from "@astrojs/node";
import { defineConfig } from "astro/config";

// Server-rendered: every page reads the indexer's database at request time (see src/lib/data.ts).
export default defineConfig({
  output: "server",
  adapter: node({ mode: "standalone" }),
  // HOST and PORT override these when the built server starts (@astrojs/node standalone).
  server: { host: "127.0.0.1", port: 4321 },
  // The admin session is a signed cookie of our own (src/lib/admin-auth.ts): no session store.
  session: false,
  devToolbar: { enabled: false },
  // Styles inline (style-src allows it, and it spares a render-blocking request); scripts always as
  // files, never inlined, since the CSP allows scripts from this site only (script-src 'self').
  build: { inlineStylesheets: "always" },
  vite: { build: { assetsInlineLimit: 0 } },
});
