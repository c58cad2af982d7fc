/**
 * The portal's one handle on the indexer's database: a read-only pool and a query that turns
 * driver errors into the project's (db.ts). Every read model takes one, so tests can share a pool.
 */
import type pg from "pg";
import { classify, createPool, type Db } from "./db.js";

export interface IndexerReader {
  pool: Db;
  /** The database URL, for error messages (redacted there). */
  url: string;
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
}

export function createIndexerReader(url: string, options: { statementTimeoutMs: number }): IndexerReader {
  const pool = createPool(url, { max: 10, statementTimeoutMs: options.statementTimeoutMs });
  return {
    pool,
    url,
    async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
      try {
        return (await pool.query<R>(sql, params)).rows;
      } catch (error) {
        throw classify("indexer", url, error);
      }
    },
  };
}
