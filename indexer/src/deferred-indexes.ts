/**
 * The vote table's lookup indexes (by ref, by vote hash, by batch) are built once, when the
 * indexer first reaches the chain head, not kept up row by row during the initial sync: building
 * an index over rows already there is several times cheaper than inserting into it for every vote
 * (see BENCHMARKS.md), as Ponder does after its historical sync. Until then lookups by these
 * columns scan the table; the data is incomplete anyway while the indexer catches up.
 *
 * The migration DeferVoteIndexes drops them from the generated schema; the entity models still
 * declare them (so the GraphQL schema and generated models stay as generated), and
 * `migration:generate` leaves them out of its diff.
 */

export interface DeferredIndex {
  /** The name the generated migration gave it, so that the schema comes out identical. */
  name: string;
  table: string;
  column: string;
}

export const DEFERRED_INDEXES: readonly DeferredIndex[] = [
  { name: "IDX_be2691f768310564ef7a85c901", table: "vote", column: "ref" },
  { name: "IDX_4bedcf6489b891351825394f59", table: "vote", column: "vote_hash" },
  { name: "IDX_6a9564f58bf1d1bfb0d5f8e4a8", table: "vote", column: "batch_id" },
];

type Query = (sql: string, parameters?: unknown[]) => Promise<{ indexname: string }[]>;

/**
 * Builds those of the deferred indexes that are missing; returns the names built. The CREATE
 * INDEX statements are issued together: side by side if `query` gives each its own connection,
 * one after the other on a single one.
 */
export async function buildDeferredIndexes(query: Query): Promise<string[]> {
  const present = new Set(
    (
      await query("select indexname from pg_indexes where schemaname = current_schema() and indexname = any($1)", [
        DEFERRED_INDEXES.map((index) => index.name),
      ])
    ).map((row) => row.indexname),
  );
  const missing = DEFERRED_INDEXES.filter((index) => !present.has(index.name));
  await Promise.all(
    missing.map((index) => query(`create index if not exists "${index.name}" on "${index.table}" ("${index.column}")`)),
  );
  return missing.map((index) => index.name);
}

/** A query of a generated migration that creates or drops one of the deferred indexes. */
export function touchesDeferredIndex(sql: string): boolean {
  return DEFERRED_INDEXES.some((index) => sql.includes(`"${index.name}"`));
}
