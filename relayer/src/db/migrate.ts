/**
 * Applies the plain SQL migrations in relayer/db/migrations/ in file-name order, each in its own
 * transaction, under an advisory lock so that the API processes, the worker and `npm run migrate`
 * can all start at once. Creates the database first when it does not exist.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NonRetryableError, RetryableError, redactUrl } from "@veritally/contracts";
import pg from "pg";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../db/migrations");

// Any fixed 64-bit number works; this one spells "vtrl-mig".
const MIGRATION_LOCK = 0x7674726c2d6d6967n;

export interface Migration {
  version: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), "utf8");
      return { version: file.replace(/\.sql$/, ""), sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

// One rule for every service, from the shared module.
export { redactUrl };

async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!name) throw new NonRetryableError("config_invalid", "DATABASE_URL: names no database");
  const adminUrl = new URL(url);
  adminUrl.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    await admin.query(`create database "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    // 42P04: created meanwhile by another process
    if ((error as { code?: string }).code === "42P04") return false;
    throw error;
  } finally {
    await admin.end().catch(() => {});
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

export interface MigrateResult {
  applied: string[];
  createdDatabase: boolean;
}

export async function migrate(url: string, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  let createdDatabase = false;
  let client: pg.Client;
  try {
    client = await connect(url);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "3D000") {
      createdDatabase = await createDatabaseIfMissing(url);
      client = await connect(url);
    } else if (code === "ECONNREFUSED" || code === "ETIMEDOUT" || code === "57P03") {
      throw new RetryableError("database_unreachable", `cannot reach the database at ${redactUrl(url)} (${code})`, {
        cause: error,
      });
    } else {
      throw error;
    }
  }
  const applied: string[] = [];
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK.toString()]);
    await client.query(
      `create table if not exists schema_migrations (
         version text primary key,
         checksum text not null,
         applied_at timestamptz not null default now())`,
    );
    const done = new Map(
      (
        await client.query<{ version: string; checksum: string }>("select version, checksum from schema_migrations")
      ).rows.map((r) => [r.version, r.checksum]),
    );
    for (const migration of await readMigrations(dir)) {
      const seen = done.get(migration.version);
      if (seen !== undefined) {
        if (seen !== migration.checksum) {
          throw new NonRetryableError(
            "migration_changed",
            `migration ${migration.version} was changed after it was applied: add a new migration instead`,
          );
        }
        continue;
      }
      await client.query("begin");
      try {
        await client.query(migration.sql);
        await client.query("insert into schema_migrations (version, checksum) values ($1, $2)", [
          migration.version,
          migration.checksum,
        ]);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw new NonRetryableError(
          "migration_failed",
          `migration ${migration.version} failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query("select pg_advisory_unlock_all()").catch(() => {});
    await client.end().catch(() => {});
  }
  return { applied, createdDatabase };
}
