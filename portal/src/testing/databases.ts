/**
 * Fresh databases for the portal's tests and benchmark: an indexer database migrated with the
 * indexer's own migrations (db/migrations), a relayer database migrated with the relayer's
 * (relayer/db/migrations, through the relayer's migrate), and a login role that is a member of
 * veritally_audit_reader, as the portal runs in production.
 */
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "@veritally/relayer/migrate";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../../../test-helpers/postgres.js";
import { ensureAuditLogin } from "../lib/audit-role.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const portalRoot = path.join(repoRoot, "portal");
const indexerMigrations = path.join(repoRoot, "db", "migrations");

type MigrationClass = new () => { up(db: { query(sql: string): Promise<unknown> }): Promise<void> };

/** Applies db/migrations/*.js in order, in one transaction, as the indexer's migration:apply does. */
export async function applyIndexerMigrations(url: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const files = readdirSync(indexerMigrations)
    .filter((f) => /^\d+-\w+\.js$/.test(f))
    .sort((a, b) => Number(a.split("-")[0]) - Number(b.split("-")[0]));
  if (!files.length) throw new Error(`no migrations in ${indexerMigrations}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("begin");
    for (const file of files) {
      const Migration = require(path.join(indexerMigrations, file)) as MigrationClass;
      await new Migration().up({ query: (sql: string) => client.query(sql) });
    }
    await client.query("commit");
  } finally {
    await client.end();
  }
}

export async function createIndexerDatabase(label: string): Promise<TestDatabase> {
  const db = await createTestDatabase(`${label}_idx`);
  try {
    await applyIndexerMigrations(db.url);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return db;
}

export interface RelayerTestDatabase extends TestDatabase {
  /** The admin URL (writes seed data). */
  url: string;
  /** A login role that is only a member of veritally_audit_reader: what the portal gets. */
  auditUrl: string;
}

export async function createRelayerDatabase(label: string): Promise<RelayerTestDatabase> {
  const db = await createTestDatabase(`${label}_rel`);
  try {
    await migrate(db.url);
    const auditUrl = await ensureAuditLogin({
      adminUrl: db.url,
      role: "veritally_portal_test",
      password: "portal-test-password",
    });
    return { ...db, auditUrl };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

export async function withClient<T>(url: string, action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}
