/**
 * `./veritally start`: the whole system on this machine, until Ctrl-C.
 *
 * Database (DATABASE_URL, else Postgres on 127.0.0.1:5432, else an embedded Postgres under
 * .data/postgres), the local chain (anvil by default, kept in .data/chain/anvil-state.json and
 * loaded again when run again; LOCAL_CHAIN=hardhat: Hardhat's node, replayed from its journal),
 * 1-second blocks, VoteRegistry and a demo election, the relayer API and worker, the indexer and its
 * GraphQL server, the portal, and a vote simulator feeding the relayer's public API.
 * See the README's configuration table for the variables.
 */
import path from "node:path";
import { registerClients, type SimulatedClient, type Simulator, startSimulator } from "./lib/simulator.js";
import { repoRoot, type Stack, startStack } from "./lib/stack.js";

const env = process.env;
const num = (name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`start: ${name} must be a non-negative number, got "${raw}"`);
    process.exit(2);
  }
  return value;
};

const dataDir = path.resolve(repoRoot, env.VERITALLY_DATA_DIR ?? ".data");
const external =
  env.RPC_URL !== undefined
    ? {
        rpcUrls: env.RPC_URL.split(",").map((u) => u.trim()),
        deploymentFile:
          env.DEPLOYMENT_FILE ??
          (() => {
            console.error("start: with RPC_URL, set DEPLOYMENT_FILE to the deployment JSON written by npm run deploy");
            process.exit(2);
          })(),
      }
    : undefined;

const localChain = env.LOCAL_CHAIN ?? "anvil";
if (localChain !== "anvil" && localChain !== "hardhat") {
  console.error(`start: LOCAL_CHAIN must be anvil or hardhat, got "${localChain}"`);
  process.exit(2);
}

let stack: Stack | undefined;
let simulator: Simulator | undefined;
let stopping = false;
const started = Date.now();
const step = (message: string) =>
  console.log(`\u001b[2m${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s\u001b[0m ${message}`);

async function shutdown(code: number): Promise<void> {
  // A signal often arrives twice (from the terminal or `timeout`, and relayed by npm): the first
  // one stops everything in order; later ones must not cut that short.
  if (stopping) return;
  stopping = true;
  step("stopping (the chain and the databases are kept in .data; run start again to resume)");
  await simulator?.stop().catch(() => {});
  await stack?.stop().catch((e) => console.error(e));
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  stack = await startStack({
    dataDir,
    databaseUrl: env.DATABASE_URL,
    external,
    ports: {
      chain: num("CHAIN_PORT", 8545),
      relayer: num("RELAYER_PORT", 8080),
      graphql: num("GRAPHQL_PORT", 4350),
      portal: num("PORTAL_PORT", 4321),
    },
    blockMs: num("BLOCK_MS", 1000),
    // anvil's finalized block 16 blocks deep: votes become final within seconds in the demo.
    chain: localChain === "anvil" ? { kind: "anvil", slotsInAnEpoch: 8, persist: true } : { kind: "hardhat" },
    onProgress: step,
  });

  const rate = num("SIMULATOR_RATE", 5);
  if (rate > 0) {
    step(`vote simulator: ${rate} votes/s into election 1 from 3 clients`);
    const clients: SimulatedClient[] = await registerClients(stack.urls.relayer, stack.adminApiKey, 3);
    simulator = startSimulator({
      relayerUrl: stack.urls.relayer,
      clients,
      electionId: 1,
      choiceCount: 4,
      ratePerSecond: rate,
    });
  }

  console.log(`
\u001b[1mVeritally is running\u001b[0m${stack.resumed ? " (resumed)" : ""}
  portal          ${stack.urls.portal ?? "(not built yet)"}
  relayer API     ${stack.urls.relayer}   (OpenAPI: ${stack.urls.relayer}/docs)
  GraphQL         ${stack.urls.graphql}
  chain RPC       ${stack.rpcUrl}   (chain ${stack.deployment.chainId})
  VoteRegistry    ${stack.deployment.address}
  admin API key   in ${path.relative(repoRoot, path.join(dataDir, "secrets", "admin-api-key"))}
  portal /admin   password in ${path.relative(repoRoot, path.join(dataDir, "secrets", "portal-admin-password"))}
  logs            ${path.relative(repoRoot, path.join(dataDir, "logs"))}/
Press Ctrl-C to stop.`);
  if (simulator) {
    const sim = simulator;
    setInterval(() => {
      const s = sim.stats();
      step(`simulator: ${s.accepted} accepted, ${s.refused} refused, ${s.errors} errors`);
    }, 30_000).unref();
  }
  await new Promise(() => {});
} catch (error) {
  console.error(`\nstart failed: ${(error as Error).message}`);
  await shutdown(1);
}
