/**
 * Connections to the two databases the portal reads: the indexer's (every public number) and,
 * through the read-only audit role, the relayer's vote_audit view (the cross-check only).
 * Every session is read-only; errors that mean "the database is not there" become a
 * RetryableError with code database_unavailable, which the pages turn into a 503 page.
 */
import { NonRetryableError, RetryableError, redactUrl } from "@veritally/contracts";
import pg from "pg";

export type Db = pg.Pool;

// One rule for every service, from the shared module.
export { redactUrl };

export class DatabaseUnavailableError extends RetryableError {
  readonly database: "indexer" | "relayer";
  constructor(database: "indexer" | "relayer", message: string, options?: { cause?: unknown }) {
    super("database_unavailable", message, options);
    this.database = database;
  }
}

// Connection-level failures (SQLSTATE classes 08, 57P, 53, 3D000) and socket errors.
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EPIPE",
  "57P01",
  "57P02",
  "57P03",
  "3D000",
  "53300",
  "28P01",
  "28000",
]);

export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (typeof e?.code === "string" && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith("08"))) return true;
  const message = e?.message ?? "";
  return (
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    ) || /connect E[A-Z]+/.test(message)
  );
}

/**
 * Maps a driver error to the project's error tree: unreachable → DatabaseUnavailableError,
 * a missing table (42P01: the indexer has not migrated yet) likewise, anything else is kept.
 */
export function classify(database: "indexer" | "relayer", url: string, error: unknown): unknown {
  if (error instanceof RetryableError || error instanceof NonRetryableError) return error;
  const e = error as { code?: string; message?: string };
  if (isUnavailable(error)) {
    return new DatabaseUnavailableError(
      database,
      `the ${database} database at ${redactUrl(url)} is not reachable (${e.code ?? e.message ?? "unknown error"})`,
      { cause: error },
    );
  }
  if (e?.code === "42P01" || e?.code === "42703") {
    return new DatabaseUnavailableError(
      database,
      database === "indexer"
        ? `the indexer database at ${redactUrl(url)} has no ${e.code === "42P01" ? "tables" : "column"} the portal needs yet (${e.message}): start the indexer, which applies its migrations`
        : `the relayer database at ${redactUrl(url)} lacks the vote_audit view (${e.message}): apply the relayer's migrations`,
      { cause: error },
    );
  }
  return error;
}

export function createPool(url: string, options: { max: number; statementTimeoutMs: number }): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    // Read-only sessions: the portal never writes, and a bug cannot make it.
    options: `-c default_transaction_read_only=on -c statement_timeout=${options.statementTimeoutMs}`,
    application_name: "veritally-portal",
  });
  // An idle client losing its connection must not crash the server; the next query reports it.
  pool.on("error", () => {});
  return pool;
}
