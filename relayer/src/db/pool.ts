/** The Postgres pool. int8 and numeric come back as strings (pg's default), bytea as Buffer. */
import pg from "pg";

export type Db = pg.Pool;

export function createDb(url: string, max = 20, applicationName = "veritally-relayer"): Db {
  const pool = new pg.Pool({ connectionString: url, max, application_name: applicationName });
  // An idle client losing its connection (a database restart) must not crash the process:
  // the pool drops it and the next query reconnects.
  pool.on("error", () => {});
  return pool;
}

/** Runs `fn` in a transaction on one client; rolls back on any error. */
export async function withTransaction<T>(db: Db, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query("begin");
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The id an `insert … returning id` gave back; a missing row is a bug to say, not to paper over. */
export function returnedId(result: { rows: { id: string }[] }, what: string): string {
  const id = result.rows[0]?.id;
  if (id === undefined) throw new Error(`${what}: the insert returned no row`);
  return id;
}

export const hexToBuffer = (hex: string): Buffer => Buffer.from(hex.replace(/^0x/, ""), "hex");
export const bufferToHex = (buf: Buffer | Uint8Array): string => `0x${Buffer.from(buf).toString("hex")}`;
