import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test-helpers/postgres.js";
import { migrate, readMigrations } from "./migrate.js";

let db: TestDatabase;
let sql: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase("relayer_migrate");
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

describe("migrations", () => {
  it("apply once even when several processes start together, then are a no-op", async () => {
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    const applied = results.flatMap((r) => r.applied);
    expect(applied).toEqual((await readMigrations()).map((m) => m.version));
    expect((await migrate(db.url)).applied).toEqual([]);
  });

  it("create the database when it does not exist", async () => {
    const url = new URL(db.url);
    url.pathname = `/${db.name}_created`;
    try {
      const result = await migrate(url.toString());
      expect(result.createdDatabase).toBe(true);
    } finally {
      const admin = new URL(db.url);
      admin.pathname = "/postgres";
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      await client.query(`drop database if exists "${db.name}_created" with (force)`);
      await client.end();
    }
  });

  it("give the portal the vote_audit view with the agreed columns, readable by veritally_audit_reader", async () => {
    const { rows } = await sql.query(
      `select column_name, data_type from information_schema.columns
        where table_name = 'vote_audit' order by ordinal_position`,
    );
    expect(rows.slice(0, 10)).toEqual([
      { column_name: "election_id", data_type: "numeric" },
      { column_name: "seq", data_type: "bigint" },
      { column_name: "ref", data_type: "bytea" },
      { column_name: "choice", data_type: "integer" },
      { column_name: "vote_hash", data_type: "bytea" },
      { column_name: "status", data_type: "text" },
      { column_name: "failure_reason", data_type: "text" },
      { column_name: "accepted_at", data_type: "timestamp with time zone" },
      { column_name: "tx_hash", data_type: "bytea" },
      { column_name: "block_number", data_type: "bigint" },
    ]);
    const role = await sql.query("select rolcanlogin from pg_roles where rolname = 'veritally_audit_reader'");
    expect(role.rows).toEqual([{ rolcanlogin: false }]);
    const grants = await sql.query(
      `select has_table_privilege('veritally_audit_reader', 'vote_audit', 'select') as view,
              has_table_privilege('veritally_audit_reader', 'votes', 'select') as votes`,
    );
    expect(grants.rows[0]).toEqual({ view: true, votes: false });
  });

  it("serve the portal's queries from indexes", async () => {
    await sql.query(
      `insert into elections (election_id, source, state, choice_count, opens_at, closes_at, record_until)
       values (1, 'chain', 'active', 2, now(), now() + interval '1 day', now() + interval '2 days')`,
    );
    await sql.query(
      `insert into votes (election_id, client_id, voter_hash, ref, choice, vote_hash, state, seq, batch_id)
       select 1, 1, sha256(i::text::bytea), substr(sha256(('r' || i)::bytea), 1, 16), i % 2, sha256(('h' || i)::bytea),
              'queued', null, null
         from generate_series(1, 20000) i`,
    );
    await sql.query("analyze votes");
    const plan = async (query: string, params: unknown[]) =>
      JSON.stringify((await sql.query(`explain (format json) ${query}`, params)).rows[0]);
    const bySeq = await plan("select * from vote_audit where election_id = $1 order by seq limit 100", [1]);
    expect(bySeq).toContain("votes_seq");
    const byRef = await plan("select * from vote_audit where election_id = $1 and ref = $2", [1, Buffer.alloc(16, 1)]);
    expect(byRef).toContain("votes_ref");
  });
});
