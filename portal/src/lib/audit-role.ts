/**
 * The portal's login to the relayer database: a LOGIN role whose only privilege is membership
 * of veritally_audit_reader (SELECT on the vote_audit view, created by the relayer's migrations).
 * `npm run setup:audit-role -w portal` calls this with an administrator's URL.
 */
import pg from "pg";
import { AUDIT_READER_ROLE } from "./config.js";

export interface AuditLoginOptions {
  /** A URL of the relayer database as a role that may create roles (e.g. the postgres user). */
  adminUrl: string;
  role: string;
  password: string;
}

function retryable(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  // Roles are shared by all databases of a server: someone else may create or grant at the same moment.
  return code === "42710" || code === "23505" || code === "XX000" || code === "40001";
}

/** Creates (or updates) the login role and returns the relayer database URL that logs in as it. */
export async function ensureAuditLogin(options: AuditLoginOptions): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.role)) {
    throw new Error(`role: "${options.role}" is not a plain lowercase role name`);
  }
  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  try {
    const reader = await client.query("select 1 from pg_roles where rolname = $1", [AUDIT_READER_ROLE]);
    if (!reader.rowCount) {
      throw new Error(
        `${AUDIT_READER_ROLE} does not exist on this server: apply the relayer's migrations first (npm run migrate -w relayer)`,
      );
    }
    const database = (await client.query<{ db: string }>("select current_database() as db")).rows[0]?.db ?? "";
    const role = pg.escapeIdentifier(options.role);
    for (let attempt = 1; ; attempt++) {
      try {
        const exists = await client.query("select 1 from pg_roles where rolname = $1", [options.role]);
        if (!exists.rowCount) await client.query(`create role ${role} login`);
        await client.query(
          `alter role ${role} with login nosuperuser nocreatedb nocreaterole password ${pg.escapeLiteral(options.password)}`,
        );
        await client.query(`grant ${AUDIT_READER_ROLE} to ${role}`);
        await client.query(`grant connect on database ${pg.escapeIdentifier(database)} to ${role}`);
        break;
      } catch (error) {
        if (attempt >= 5 || !retryable(error)) throw error;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  } finally {
    await client.end();
  }
  const url = new URL(options.adminUrl);
  url.username = options.role;
  url.password = options.password;
  return url.toString();
}
