/**
 * GET /v1/admin/stats for the portal's tests: the relayer's own readStats() over a real relayer
 * database, behind the same bearer check, on a loopback port. The relayer's full API needs a
 * chain and signing keys; the figures and their shape come from the relayer's code all the same.
 */
import { createServer } from "node:http";
import { freePort } from "@veritally/contracts/local-node";
import { readStats } from "@veritally/relayer/stats";
import pg from "pg";

export interface StatsServer {
  url: string;
  requests: number;
  stop(): Promise<void>;
}

export async function startRelayerStatsServer(options: {
  databaseUrl: string;
  adminKey: string;
}): Promise<StatsServer> {
  const db = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  // The test drops the database at the end; a connection closing late must not be an unhandled error.
  db.on("error", () => {});
  const port = await freePort();
  const state = { requests: 0 };
  const server = createServer(async (req, res) => {
    state.requests++;
    if (req.url !== "/v1/admin/stats" || req.method !== "GET") {
      res.writeHead(404).end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${options.adminKey}`) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
      return;
    }
    try {
      const stats = await readStats(db);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.end();
    },
  };
}
