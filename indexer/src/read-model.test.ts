/**
 * The read model's column lists against the schema the migrations create: a column added,
 * renamed or dropped in schema.graphql fails here until read-model.ts (and so its readers) follow.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { applyMigrations } from "./db.js";
import { BIGINT_COLUMNS, READ_MODEL, selectList } from "./read-model.js";

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase("read_model");
  await applyMigrations(db.url);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe("the indexer's read model", () => {
  test.each(Object.entries(READ_MODEL))("%s: the columns are exactly the migrated table's", async (table, columns) => {
    const { rows } = await client.query<{ column_name: string; data_type: string }>(
      "select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = $1",
      [table],
    );
    expect(rows.map((r) => r.column_name).sort()).toEqual([...columns].sort());
    for (const row of rows) {
      const wide = row.data_type === "numeric" || row.data_type === "bigint";
      expect({ column: row.column_name, readAsText: BIGINT_COLUMNS.has(row.column_name) }).toEqual({
        column: row.column_name,
        readAsText: wide,
      });
    }
  });

  test("a select list reads every column, bigints as text", async () => {
    const { rows } = await client.query(`select ${selectList(READ_MODEL.election, "e")} from election e`);
    expect(rows).toEqual([]);
    expect(selectList(["id", "seq"], "v")).toBe("v.id, v.seq::text as seq");
  });
});
