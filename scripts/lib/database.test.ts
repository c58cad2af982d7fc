import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@veritally/contracts/local-node";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { canConnect, ensureDatabase, provisionPostgres } from "./database.js";

describe("provisionPostgres", () => {
  it("uses the local server when it answers", async () => {
    const server = await provisionPostgres({ dataDir: "/nonexistent" });
    expect(server.kind).toBe("local");
    expect(await canConnect(server.serverUrl)).toBe(true);
  });

  it("starts an embedded Postgres when nothing answers, and keeps its data across restarts", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "vt-pg-"));
    await chmod(dir, 0o755); // the embedded server runs as its own user when we are root
    const closed = await freePort();
    const port = await freePort();
    try {
      const first = await provisionPostgres({
        localUrl: `postgres://postgres@127.0.0.1:${closed}/postgres`,
        dataDir: path.join(dir, "data"),
        embeddedPort: port,
      });
      expect(first.kind).toBe("embedded");
      const url = await ensureDatabase(first.serverUrl, "veritally_probe");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("create table kept (x int); insert into kept values (42)");
      await client.end();
      await first.stop();

      const second = await provisionPostgres({
        localUrl: `postgres://postgres@127.0.0.1:${closed}/postgres`,
        dataDir: path.join(dir, "data"),
        embeddedPort: port,
      });
      const again = new pg.Client({ connectionString: await ensureDatabase(second.serverUrl, "veritally_probe") });
      await again.connect();
      expect((await again.query("select x from kept")).rows).toEqual([{ x: 42 }]);
      await again.end();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("says so when DATABASE_URL does not answer", async () => {
    const port = await freePort();
    await expect(
      provisionPostgres({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/x`, dataDir: "/nonexistent" }),
    ).rejects.toThrow(/DATABASE_URL does not answer/);
  });
});
