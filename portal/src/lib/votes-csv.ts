/**
 * Every vote of an election as CSV, ordered by seq, streamed from the indexer's database with
 * COPY (a million votes never sit in memory) and paced by the reader (backpressure).
 */
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { classify } from "./db.js";
import type { IndexerReader } from "./indexer-reader.js";

/** `exists` tells whether the election is there (and its id is safe in SQL: digits only). */
export function createVotesCsv(
  db: IndexerReader,
  exists: (id: string) => Promise<boolean>,
): (id: string) => Promise<ReadableStream<Uint8Array> | null> {
  return async function votesCsv(id: string): Promise<ReadableStream<Uint8Array> | null> {
    if (!(await exists(id))) return null;
    let client: pg.PoolClient;
    try {
      client = await db.pool.connect();
    } catch (error) {
      throw classify("indexer", db.url, error);
    }
    // The id was checked to be digits above; COPY takes no parameters.
    const stream = client.query(
      copyTo(
        // A label a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading
        // apostrophe, as OWASP's CSV-injection advice says; every other field is digits or hex.
        `copy (select v.election_id, v.seq, v.ref, v.choice,
                      case when e.choice_labels[v.choice + 1] ~ '^[-=+@\\t\\r]'
                           then '''' || e.choice_labels[v.choice + 1]
                           else e.choice_labels[v.choice + 1] end as choice_label,
                      v.vote_hash, v.block_number, v.block_hash, v.tx_hash, v.log_index,
                      to_char(v.timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as timestamp,
                      v.in_grace_period
                 from vote v join election e on e.id = v.election_id
                where v.election_id = '${id}' order by v.seq)
           to stdout with (format csv, header)`,
      ),
    );
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      // A connection in the middle of a COPY cannot be reused.
      client.release(error ?? undefined);
    };
    stream.on("end", () => release());
    stream.on("error", (error) => release(error));
    return new ReadableStream<Uint8Array>({
      start(controller) {
        stream.on("data", (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) stream.pause();
        });
        stream.on("end", () => controller.close());
        stream.on("error", (error) => controller.error(error));
      },
      pull() {
        stream.resume();
      },
      cancel() {
        stream.destroy();
        release(new Error("download cancelled"));
      },
    });
  };
}
