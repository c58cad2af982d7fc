/**
 * How to start the indexer's two processes, for launchers such as `./veritally start`:
 *
 *   import { indexerProcesses } from "@veritally/indexer/launch";
 *   for (const p of indexerProcesses()) spawn(p.command, p.args, { cwd: p.cwd, env: { ...process.env, ...env } });
 *
 * Both read their configuration from the environment (see README.md): the processor RPC_URL,
 * CONTRACT_ADDRESS, START_BLOCK, DB_URL, FINALITY_CONFIRMATION, ...; the server DB_URL, GQL_PORT.
 * The processor runs its bundle (lib/start.js loads lib/main.js): `await prepareIndexer()` first
 * builds it when a source changed (src/build.ts). The server runs from indexer/ through tsx, so that the models
 * compile with this folder's tsconfig (legacy decorators).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const indexerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface ProcessSpec {
  name: "indexer-processor" | "indexer-graphql";
  command: string;
  args: string[];
  cwd: string;
  /** What an exit code means; the processor exits 3 when it stopped on a deep reorg (restarting will not help). */
  exitCodes: Record<number, string>;
}

/**
 * A larger young generation: the processor allocates a short-lived object or three per log, and
 * with Node's default (16 MB) it spends about a fifth of its time in minor GCs (BENCHMARKS.md).
 */
export const PROCESSOR_NODE_FLAGS = ["--max-semi-space-size=128"];

/** Builds the processor's bundle if a source changed since it was built. */
export async function prepareIndexer(): Promise<void> {
  const { buildProcessor } = await import("./build.js");
  await buildProcessor();
}

export function indexerProcesses(nodePath: string = process.execPath): ProcessSpec[] {
  return [
    {
      name: "indexer-processor",
      command: nodePath,
      args: [...PROCESSOR_NODE_FLAGS, "lib/start.js"],
      cwd: indexerRoot,
      exitCodes: { 1: "error (restarting may help)", 3: "stopped on a reorg deeper than the finality depth" },
    },
    {
      name: "indexer-graphql",
      command: nodePath,
      args: ["--import", "tsx", "src/graphql.ts"],
      cwd: indexerRoot,
      exitCodes: { 1: "error" },
    },
  ];
}
