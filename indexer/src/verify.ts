/**
 * `npm run verify -w indexer`: recomputes every aggregate, bucket, gap and repeated ref or hash
 * from the stored votes and batches, and compares with what the batch handler kept up to date.
 * Changes nothing; exits 1 and prints the first differences if they disagree.
 */
import { pathToFileURL } from "node:url";
import pg from "pg";
import { databaseUrlFromEnv, redactUrl } from "./database-url.js";
import { verifyDerived } from "./recompute.js";

/** Returns the exit code: 0 when every derived value equals its recomputation, 1 otherwise. */
export async function verifyCli(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const url = databaseUrlFromEnv(env);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await verifyDerived(client);
    if (result.ok) {
      console.log(`${redactUrl(url)}: every derived value equals its recomputation from the votes`);
      return 0;
    }
    console.error(`${redactUrl(url)}: derived values differ from their recomputation:`);
    for (const d of result.differences) console.error(JSON.stringify(d));
    return 1;
  } finally {
    await client.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await verifyCli());
