/**
 * The committed migrations and the generated models describe the same schema: `migration:generate`
 * on a migrated database finds nothing to add, before and after the indexer builds the vote
 * table's lookup indexes (which the models declare and the migrations leave to the indexer).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { buildDeferredIndexes } from "../src/deferred-indexes.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let db: TestDatabase;

async function migration(command: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/migration.ts", command],
      { cwd: root, env: { ...process.env, DB_URL: db.url } },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

beforeAll(async () => {
  db = await createTestDatabase("indexer_migration");
});

afterAll(async () => {
  await db?.drop();
});

test("migration:generate finds the migrated schema equal to the models, deferred indexes built or not", async () => {
  expect((await migration("apply")).output).toMatch(/migration\(s\) applied/);
  const before = await migration("generate");
  expect(before).toMatchObject({ code: 1 });
  expect(before.output).toMatch(/No changes in database schema/);

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    expect(await buildDeferredIndexes(async (sql, p) => (await client.query(sql, p)).rows)).toHaveLength(3);
  } finally {
    await client.end();
  }
  const after = await migration("generate");
  expect(after).toMatchObject({ code: 1 });
  expect(after.output).toMatch(/No changes in database schema/);
});
