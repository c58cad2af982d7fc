/**
 * A fresh, empty Postgres database per test file, on the server at TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres). If that server does not answer and this
 * machine has a Debian cluster, it is started; otherwise the error says what is missing.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import pg from "pg";
import { canConnect } from "../scripts/lib/database.js";

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let ensured: Promise<void> | undefined;

/** Makes sure the admin server answers, starting the local Debian cluster if there is one. */
export function ensurePostgres(): Promise<void> {
  ensured ??= (async () => {
    if (await canConnect(ADMIN_URL)) return;
    if (existsSync("/etc/postgresql")) {
      for (const version of readdirSync("/etc/postgresql")) {
        try {
          execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"], { stdio: "ignore" });
        } catch {
          // Already running, or not ours to start: the check below decides.
        }
      }
      for (let i = 0; i < 50 && !(await canConnect(ADMIN_URL)); i++) await new Promise((r) => setTimeout(r, 200));
      if (await canConnect(ADMIN_URL)) return;
    }
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_URL.replace(/:[^:@/]*@/, ":***@")}. Start it ` +
        "(on Debian: pg_ctlcluster <version> main start) or set TEST_DATABASE_URL to a server where " +
        "this user may create databases.",
    );
  })();
  return ensured;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  await ensurePostgres();
  const name = `vt_test_${label.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
