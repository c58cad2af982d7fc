/**
 * `npm run reindex -w indexer -- --from-block N`: rolls the database back to block N-1 (every row
 * from block N on is deleted, aggregates recomputed) so that the indexer re-reads from block N.
 * `--reset` empties it (everything is re-read from START_BLOCK). The recovery after a reorg deeper
 * than the finality depth; the indexer must be stopped (this takes its lock).
 */
import { pathToFileURL } from "node:url";
import { RpcClient } from "@subsquid/rpc-client";
import { InvalidInputError, LOCAL_RPC_URL, VeritallyError } from "@veritally/contracts";
import { readSecret } from "@veritally/contracts/secrets";
import { databaseUrlFromEnv, redactUrl } from "./database-url.js";
import { applyMigrations } from "./db.js";
import { rollbackTo } from "./reorg.js";
import { lockDatabase } from "./runner.js";

export function parseReindexArgs(args: string[]): { target: number } {
  if (args.includes("--reset")) return { target: -1 };
  const i = args.indexOf("--from-block");
  const raw = i >= 0 ? args[i + 1] : undefined;
  if (raw === undefined) throw new InvalidInputError("--from-block", "expected --from-block N or --reset");
  if (!/^\d+$/.test(raw)) throw new InvalidInputError("--from-block", `expected a block number, got "${raw}"`);
  return { target: Number(raw) - 1 };
}

export async function reindex(databaseUrl: string, rpcUrl: string, target: number): Promise<void> {
  await applyMigrations(databaseUrl);
  const lock = await lockDatabase(databaseUrl);
  const rpc = new RpcClient({ url: rpcUrl, retryAttempts: 3 });
  try {
    await rollbackTo(lock, rpc, target);
  } finally {
    rpc.close();
    await lock.end().catch(() => {});
  }
}

/** `npm run reindex -w indexer -- --from-block N | --reset`; returns the exit code. */
export async function reindexCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { target } = parseReindexArgs(args);
    const databaseUrl = databaseUrlFromEnv(env);
    await reindex(databaseUrl, readSecret("RPC_URL", env) ?? LOCAL_RPC_URL, target);
    console.log(
      target < 0
        ? `${redactUrl(databaseUrl)} emptied: the indexer will re-read everything from START_BLOCK`
        : `${redactUrl(databaseUrl)} rolled back to block ${target}: the indexer will re-read from block ${target + 1}`,
    );
    return 0;
  } catch (error) {
    console.error(`reindex: ${error instanceof VeritallyError ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(await reindexCli(process.argv.slice(2)));
}
