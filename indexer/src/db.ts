/**
 * The indexer's Postgres database: creating it if missing, the TypeORM data source over the
 * generated models, migrations (db/migrations at the repo root), and the Subsquid store.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SnakeNamingStrategy } from "@subsquid/typeorm-config/lib/namingStrategy.js";
import { type Store, TypeormDatabase } from "@subsquid/typeorm-store";
import { NonRetryableError, RetryableError } from "@veritally/contracts";
import pg from "pg";
import { DataSource, type DataSourceOptions, type EntityManager } from "typeorm";
import { databaseName, redactUrl } from "./database-url.js";
import * as model from "./model/index.js";
import { batchEntityManager, connectWithDataSource } from "./subsquid/index.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const migrationsDir = path.join(repoRoot, "db", "migrations");
/** Where Subsquid keeps its own state (processed height, hot blocks and their change log). */
export const STATE_SCHEMA = "squid_processor";

export const entities = Object.values(model).filter((value) => typeof value === "function");

/** Creates the database named in `url` if it does not exist (needs the CREATEDB privilege). */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new RetryableError(
      "database_unreachable",
      `cannot connect to PostgreSQL at ${redactUrl(admin.toString())}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount) return;
    try {
      await client.query(`create database ${pg.escapeIdentifier(name)}`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Created by someone else meanwhile (42P04, or 23505 when both inserted into pg_database at once).
      if (code === "42P04" || code === "23505") return;
      throw new NonRetryableError(
        "database_create_failed",
        `database ${name} does not exist and could not be created: ${(error as Error).message}`,
        { cause: error },
      );
    }
  } finally {
    await client.end().catch(() => {});
  }
}

export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: "postgres",
    url,
    namingStrategy: new SnakeNamingStrategy(),
    entities,
    migrations: [path.join(migrationsDir, "*.js")],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    ...extra,
  } as DataSourceOptions;
}

/** Applies the pending migrations of db/migrations in one transaction; returns their names. */
export async function applyMigrations(url: string, log: (line: string) => void = () => {}): Promise<string[]> {
  await ensureDatabase(url);
  // The processor and the GraphQL server both migrate at start, possibly at the same moment.
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock(hashtext('veritally_indexer_migrations'))");
    const source = new DataSource(dataSourceOptions(url));
    await source.initialize();
    try {
      const applied = await source.runMigrations({ transaction: "all" });
      for (const migration of applied) log(`applied migration ${migration.name}`);
      return applied.map((migration) => migration.name);
    } finally {
      await source.destroy().catch(() => {});
    }
  } finally {
    await lock.end().catch(() => {});
  }
}

/**
 * The EntityManager of a batch's transaction (subsquid/index.ts). For reads, DDL and COPY only:
 * entity writes go through the store, whose hot-block change tracking must see every one
 * (vote-copy.ts records its COPYs there itself).
 */
export const entityManager: (store: Store) => EntityManager = batchEntityManager;

/**
 * Subsquid's TypeormDatabase, connected to `url` with the model classes themselves.
 *
 * The stock connect() finds the models by file path (lib/model, or src/model under ts-node) and
 * lets TypeORM load them a second time; under tsx that would be a second copy of every class and
 * TypeORM would not know the ones the handler uses, and the bundle has no such files at all. Only
 * connect() is replaced; transactions, hot blocks and rollbacks are typeorm-store's own.
 */
export function createIndexerDatabase(url: string): TypeormDatabase {
  // READ COMMITTED: this is the only writer (runner.ts holds the database's advisory lock), and
  // SERIALIZABLE's predicate locks on every index probe cost a third of a full sync.
  const database = new TypeormDatabase({
    supportHotBlocks: true,
    stateSchema: STATE_SCHEMA,
    isolationLevel: "READ COMMITTED",
  });
  // Commits without waiting for the disk: everything here is derived from the chain, and a crash
  // loses at most the last ~0.2 s of commits together with the processor's own progress stored
  // in the same transactions, so those blocks are simply read again. About 9% faster syncs.
  connectWithDataSource(
    database,
    () => new DataSource(dataSourceOptions(url, { extra: { options: "-c synchronous_commit=off" } })),
  );
  return database;
}
